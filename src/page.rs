//! Listings as streams: the one guarded page walk of the crate.
//!
//! [`paginate`] turns a page operation (a call that takes a continuation token and answers
//! items and the next token) into a [`Stream`](futures::Stream) of items, fetching one page
//! at a time as the stream is consumed (so `.take(n)` stops fetching). Every page is an
//! ordinary trait call, so it passes through the cloud's layers (retry, tracing, faults) one
//! by one.
//!
//! It guards what the SDK's paginators guard, and stops where they would loop forever: a
//! token that comes back a second time ends the stream with
//! [`Error::UnrecognizedResponse`] (a service that repeats a token would otherwise be walked
//! forever, and silently truncating would report less than there is). An empty token is the
//! end, as AWS sends it.

use std::collections::HashSet;
use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::error::{Error, Result, Service};

/// The items of every page of a listing, starting from the first page (token `None`):
/// `fetch(token)` answers one page's items and the next token. See the module docs.
pub fn paginate<'a, T, F, Fut>(service: Service, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(Option<String>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>> + Send + 'a,
{
    walk(service, Vec::new(), Some(None), fetch)
}

/// Like [`paginate`], continuing after a first page already fetched (its `items` and `next`
/// token): for callers that need the first page's metadata before streaming.
pub fn paginate_after<'a, T, F, Fut>(
    service: Service,
    items: Vec<T>,
    next: Option<String>,
    fetch: F,
) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(Option<String>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>> + Send + 'a,
{
    let next = next.filter(|t| !t.is_empty());
    let seen: HashSet<String> = next.iter().cloned().collect();
    walk_from(service, items, next.map(Some), seen, fetch)
}

/// What the walk does next.
enum Next {
    /// Fetch the page of this token (`None`: the first page).
    Fetch(Option<String>),
    /// The last page repeated this token: end with an error.
    Repeated(String),
    /// The last page had no next token.
    Done,
}

/// `first` are items already in hand; `token` is `Some(t)` while a page `t` is to be fetched.
fn walk<'a, T, F, Fut>(
    service: Service,
    first: Vec<T>,
    token: Option<Option<String>>,
    fetch: F,
) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(Option<String>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>> + Send + 'a,
{
    walk_from(service, first, token, HashSet::new(), fetch)
}

fn walk_from<'a, T, F, Fut>(
    service: Service,
    first: Vec<T>,
    token: Option<Option<String>>,
    seen: HashSet<String>,
    fetch: F,
) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(Option<String>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>> + Send + 'a,
{
    let head = stream::iter(first.into_iter().map(Ok));
    let start = token.map_or(Next::Done, Next::Fetch);
    let tail = stream::try_unfold((start, seen, fetch), move |(next, mut seen, mut fetch)| async move {
        let token = match next {
            Next::Done => return Ok(None),
            // The page that repeated the token was yielded; now the error.
            Next::Repeated(t) => {
                return Err(Error::UnrecognizedResponse {
                    service,
                    status: None,
                    detail: format!("the listing sent the continuation token {t:?} a second time"),
                });
            }
            Next::Fetch(token) => token,
        };
        let (items, next) = fetch(token).await?;
        let next = match next.filter(|t| !t.is_empty()) {
            None => Next::Done,
            Some(t) if !seen.insert(t.clone()) => Next::Repeated(t),
            Some(t) => Next::Fetch(Some(t)),
        };
        Ok(Some((stream::iter(items.into_iter().map(Ok)), (next, seen, fetch))))
    })
    .try_flatten();
    head.chain(tail).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    type Page = futures::future::BoxFuture<'static, Result<(Vec<u32>, Option<String>)>>;
    type Asked = Arc<Mutex<Vec<Option<String>>>>;

    /// A listing served from `pages` (token `None` is page 0, token `"pN"` is page N), which
    /// records the tokens it was asked for.
    fn listing(pages: Vec<(Vec<u32>, Option<&'static str>)>) -> (Asked, impl FnMut(Option<String>) -> Page + Send) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let fetch = move |token: Option<String>| {
            log.lock().unwrap().push(token.clone());
            let n = token.map_or(0, |t| t[1..].parse::<usize>().unwrap());
            let (items, next) = pages[n].clone();
            futures::FutureExt::boxed(futures::future::ready(Ok::<_, Error>((
                items,
                next.map(str::to_string),
            ))))
        };
        (asked, fetch)
    }

    #[tokio::test]
    async fn every_page_is_walked_in_order_and_an_empty_token_ends_it() {
        let (asked, fetch) = listing(vec![
            (vec![1, 2], Some("p1")),
            (vec![], Some("p2")),
            (vec![3], Some("")),
        ]);
        let all: Vec<u32> = paginate(Service::Ec2, fetch).try_collect().await.unwrap();
        assert_eq!(all, [1, 2, 3]);
        assert_eq!(*asked.lock().unwrap(), [None, Some("p1".into()), Some("p2".into())]);
    }

    #[tokio::test]
    async fn take_stops_fetching() {
        let (asked, fetch) = listing(vec![
            (vec![1, 2], Some("p1")),
            (vec![3, 4], Some("p2")),
            (vec![5], None),
        ]);
        let some: Vec<u32> = paginate(Service::Ec2, fetch).take(3).try_collect().await.unwrap();
        assert_eq!(some, [1, 2, 3]);
        assert_eq!(asked.lock().unwrap().len(), 2, "the third page was not fetched");
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_loop_nor_a_silent_end() {
        let (_, fetch) = listing(vec![(vec![1], Some("p1")), (vec![2], Some("p1"))]);
        let got: Vec<Result<u32>> = paginate(Service::CloudWatch, fetch).collect().await;
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(*got[0].as_ref().unwrap(), 1);
        assert_eq!(*got[1].as_ref().unwrap(), 2);
        let err = got[2].as_ref().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::UnrecognizedResponse, "{err}");
        assert!(err.to_string().contains("p1"), "{err}");
    }

    #[tokio::test]
    async fn a_walk_continues_after_a_page_in_hand() {
        let (asked, fetch) = listing(vec![(vec![], None), (vec![7], Some("p2")), (vec![8], None)]);
        let all: Vec<u32> = paginate_after(Service::Ebs, vec![5, 6], Some("p1".into()), fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, [5, 6, 7, 8]);
        assert_eq!(*asked.lock().unwrap(), [Some("p1".into()), Some("p2".into())]);
        // The first page's token coming back is a repeat too.
        let (_, fetch) = listing(vec![(vec![], None), (vec![7], Some("p1"))]);
        let got: Vec<Result<u32>> = paginate_after(Service::Ebs, vec![], Some("p1".into()), fetch)
            .collect()
            .await;
        assert!(got.last().unwrap().is_err(), "{got:?}");
    }

    #[tokio::test]
    async fn an_error_ends_the_stream_with_it() {
        let mut calls = 0;
        let fetch = move |_t: Option<String>| {
            calls += 1;
            let out = if calls == 1 {
                Ok((vec![1u32], Some("p1".to_string())))
            } else {
                Err(Error::validation("x", "boom"))
            };
            futures::future::ready(out)
        };
        let got: Vec<Result<u32>> = paginate(Service::Lambda, fetch).collect().await;
        assert_eq!(got.len(), 2);
        assert!(got[1].is_err());
    }
}

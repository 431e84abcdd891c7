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
//!
//! The services' listings are streams through extension traits
//! ([`Ec2Ext`](crate::ec2::Ec2Ext), [`CloudWatchExt`](crate::cloudwatch::CloudWatchExt),
//! [`LambdaExt`](crate::lambda::LambdaExt), [`EbsExt`](crate::ebs::EbsExt)) built on each
//! trait's page operations (`describe_instances_page` and the like: one request, one
//! [`Page`]), with [`ListOptions`] for a limit and a page size. The `Vec` methods
//! (`describe_instances`) stay: they walk every page inside one call, the SDK adapters with the
//! SDK's paginators.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::cloudwatch::{CloudWatchExt, ListMetricsRequest};
//! use aws_facade::page::ListOptions;
//! use futures::TryStreamExt;
//! let cloud = aws_facade::Cloud::sim();
//! // At most 10 metrics, and no page fetched after the tenth.
//! let some: Vec<_> = cloud.cloudwatch.metrics(ListMetricsRequest::default(), ListOptions::new().limit(10)).try_collect().await?;
//! assert!(some.len() <= 10);
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::error::{Error, Result, Service};

/// One page of a listing: its items and the token of the next page (`None` on the last).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items, in the service's order.
    pub items: Vec<T>,
    /// The next page's token; `None` (or empty, as some services send it) on the last page.
    pub next_token: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items` followed by the page of `next_token`.
    pub fn new(items: Vec<T>, next_token: Option<String>) -> Self {
        Page { items, next_token }
    }

    /// The last page: `items` and no next token.
    pub fn last(items: Vec<T>) -> Self {
        Page::new(items, None)
    }
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page::last(Vec::new())
    }
}

/// Which page a page operation fetches: the continuation token (`None`: the first page) and
/// the page size (`None`: the service's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageRequest {
    /// The token a previous page answered; `None` for the first page.
    pub token: Option<String>,
    /// Items per page (`MaxResults`, `MaxRecords` or `MaxItems`), within the operation's bounds.
    pub size: Option<u32>,
}

impl PageRequest {
    /// The first page, at the service's default size.
    pub fn first() -> Self {
        PageRequest::default()
    }

    /// The page of `token` (the first page with `None`).
    pub fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// Asks for `size` items per page.
    pub fn size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }
}

/// How much of a listing a stream walks: an optional limit on the items and an optional page
/// size. With a limit and no page size, pages are sized to the limit (within the operation's
/// bounds), so `limit(5)` asks AWS for 5 items, not 1,000; no page is fetched once the limit
/// is reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// At most this many items (`None`: all).
    pub limit: Option<usize>,
    /// Items per page (`None`: sized to the limit, or the service's default).
    pub page_size: Option<u32>,
}

impl ListOptions {
    /// Every item, at the service's default page size.
    pub fn new() -> Self {
        ListOptions::default()
    }

    /// At most `n` items.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// `n` items per page (checked against the operation's bounds before any call).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }
}

/// The page size bounds of one page operation, from its AWS API model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageBounds {
    /// The field path a bad size is reported under, e.g. `DescribeInstances.MaxResults`.
    pub field: &'static str,
    /// The smallest size AWS accepts.
    pub min: u32,
    /// The largest size AWS accepts.
    pub max: u32,
}

/// The stream of a listing under `opts`: pages fetched with `fetch(PageRequest)`, the page size
/// checked against `bounds` first (`None`: the operation takes no page size, and asking for one
/// is refused), the walk ended at the limit. A bad page size is the stream's only item, an
/// [`Error::Validation`], and nothing is fetched.
pub(crate) fn listing<'a, T, F, Fut>(
    service: Service,
    bounds: Option<PageBounds>,
    opts: ListOptions,
    mut fetch: F,
) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(PageRequest) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T>>> + Send + 'a,
{
    let size = match (bounds, opts.page_size) {
        (None, None) => None,
        (None, Some(_)) => {
            let e = Error::validation(
                "ListOptions.page_size",
                "this listing takes no page size (AWS fixes it)",
            );
            return stream::once(async move { Err(e) }).boxed();
        }
        (Some(b), Some(n)) if n < b.min || n > b.max => {
            let e = Error::validation(b.field, format!("must be {} to {} (got {n})", b.min, b.max));
            return stream::once(async move { Err(e) }).boxed();
        }
        (Some(_), Some(n)) => Some(n),
        (Some(b), None) => opts
            .limit
            .map(|l| u32::try_from(l).unwrap_or(u32::MAX).clamp(b.min, b.max)),
    };
    if opts.limit == Some(0) {
        return stream::empty().boxed();
    }
    let all = paginate(service, move |token| {
        let page = fetch(PageRequest { token, size });
        async move {
            let page = page.await?;
            Ok((page.items, page.next_token))
        }
    });
    match opts.limit {
        Some(n) => all.take(n).boxed(),
        None => all,
    }
}

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

    type PageFut = futures::future::BoxFuture<'static, Result<(Vec<u32>, Option<String>)>>;
    type Asked = Arc<Mutex<Vec<Option<String>>>>;

    /// A listing served from `pages` (token `None` is page 0, token `"pN"` is page N), which
    /// records the tokens it was asked for.
    fn served(pages: Vec<(Vec<u32>, Option<&'static str>)>) -> (Asked, impl FnMut(Option<String>) -> PageFut + Send) {
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
        let (asked, fetch) = served(vec![
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
        let (asked, fetch) = served(vec![
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
        let (_, fetch) = served(vec![(vec![1], Some("p1")), (vec![2], Some("p1"))]);
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
        let (asked, fetch) = served(vec![(vec![], None), (vec![7], Some("p2")), (vec![8], None)]);
        let all: Vec<u32> = paginate_after(Service::Ebs, vec![5, 6], Some("p1".into()), fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, [5, 6, 7, 8]);
        assert_eq!(*asked.lock().unwrap(), [Some("p1".into()), Some("p2".into())]);
        // The first page's token coming back is a repeat too.
        let (_, fetch) = served(vec![(vec![], None), (vec![7], Some("p1"))]);
        let got: Vec<Result<u32>> = paginate_after(Service::Ebs, vec![], Some("p1".into()), fetch)
            .collect()
            .await;
        assert!(got.last().unwrap().is_err(), "{got:?}");
    }

    /// A listing of `0..total` served in pages of the requested size (default 4), recording
    /// each page request.
    type Requests = Arc<Mutex<Vec<PageRequest>>>;
    type NumberPage = futures::future::Ready<Result<Page<u32>>>;

    fn numbers(total: u32) -> (Requests, impl FnMut(PageRequest) -> NumberPage + Send) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let fetch = move |p: PageRequest| {
            log.lock().unwrap().push(p.clone());
            let from: u32 = p.token.as_deref().map_or(0, |t| t.parse().unwrap());
            let to = (from + p.size.unwrap_or(4)).min(total);
            let next = (to < total).then(|| to.to_string());
            futures::future::ready(Ok(Page::new((from..to).collect(), next)))
        };
        (asked, fetch)
    }

    const BOUNDS: PageBounds = PageBounds {
        field: "Op.MaxResults",
        min: 5,
        max: 1000,
    };

    #[tokio::test]
    async fn a_limit_sizes_the_pages_and_stops_the_walk() {
        let (asked, fetch) = numbers(100);
        let got: Vec<u32> = listing(Service::Ec2, Some(BOUNDS), ListOptions::new().limit(7), fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got, (0..7).collect::<Vec<_>>());
        let sent = asked.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "one page of 7 answers a limit of 7: {sent:?}");
        assert_eq!(sent[0].size, Some(7));
        // Below the operation's minimum, the page is the minimum and the stream still stops at the limit.
        let (asked, fetch) = numbers(100);
        let got: Vec<u32> = listing(Service::Ec2, Some(BOUNDS), ListOptions::new().limit(2), fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got, [0, 1]);
        assert_eq!(asked.lock().unwrap()[0].size, Some(5));
    }

    #[tokio::test]
    async fn a_page_size_is_sent_on_every_page_and_checked_first() {
        let (asked, fetch) = numbers(12);
        let got: Vec<u32> = listing(Service::Ec2, Some(BOUNDS), ListOptions::new().page_size(5), fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), 12);
        let sent = asked.lock().unwrap().clone();
        assert_eq!(sent.len(), 3);
        assert!(sent.iter().all(|p| p.size == Some(5)), "{sent:?}");
        assert_eq!(sent[2].token.as_deref(), Some("10"));
        for bad in [4, 1001] {
            let (asked, fetch) = numbers(12);
            let got: Vec<Result<u32>> = listing(Service::Ec2, Some(BOUNDS), ListOptions::new().page_size(bad), fetch)
                .collect()
                .await;
            let err = got[0].as_ref().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Validation);
            assert!(err.to_string().contains("Op.MaxResults"), "{err}");
            assert_eq!(got.len(), 1);
            assert!(asked.lock().unwrap().is_empty(), "nothing fetched for a bad size");
        }
        let (asked, fetch) = numbers(12);
        let got: Vec<Result<u32>> = listing(Service::CloudWatch, None, ListOptions::new().page_size(10), fetch)
            .collect()
            .await;
        assert!(got[0].as_ref().unwrap_err().to_string().contains("page_size"));
        assert!(asked.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_zero_limit_fetches_nothing_and_no_options_walk_everything() {
        let (asked, fetch) = numbers(9);
        let got: Vec<u32> = listing(Service::Lambda, Some(BOUNDS), ListOptions::new().limit(0), fetch)
            .try_collect()
            .await
            .unwrap();
        assert!(got.is_empty());
        assert!(asked.lock().unwrap().is_empty());
        let (asked, fetch) = numbers(9);
        let got: Vec<u32> = listing(Service::Lambda, None, ListOptions::new(), fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got, (0..9).collect::<Vec<_>>());
        assert_eq!(asked.lock().unwrap().len(), 3);
        assert!(asked.lock().unwrap().iter().all(|p| p.size.is_none()));
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

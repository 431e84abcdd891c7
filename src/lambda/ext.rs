//! Streams over the Lambda listings: [`LambdaExt`], for every [`Lambda`].

use futures::stream::BoxStream;

use super::{FunctionConfiguration, Lambda};
use crate::error::{Result, Service};
use crate::id::FunctionName;
use crate::page::{self, ListOptions, PageBounds};

/// `MaxItems` of ListFunctions: 1 to 10,000 (botocore model, shape `MaxListItems`); AWS
/// answers at most 50 a page whatever is asked (Lambda API reference, ListFunctions).
const FUNCTIONS: PageBounds = PageBounds {
    field: "ListFunctions.MaxItems",
    min: 1,
    max: 10_000,
};
/// `MaxItems` of ListVersionsByFunction: as [`FUNCTIONS`].
const VERSIONS: PageBounds = PageBounds {
    field: "ListVersionsByFunction.MaxItems",
    min: 1,
    max: 10_000,
};

/// The Lambda listings as streams of items, one page fetched at a time as the stream is
/// consumed (each page a call through the cloud's layers, guarded against a repeated marker),
/// with a limit and a page size in [`ListOptions`]. Implemented for every [`Lambda`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> aws_facade::Result<()> {
/// use aws_facade::lambda::LambdaExt;
/// use aws_facade::page::ListOptions;
/// use futures::TryStreamExt;
/// let cloud = aws_facade::Cloud::sim();
/// let names: Vec<String> = cloud.lambda.functions(ListOptions::new()).map_ok(|f| f.name.to_string()).try_collect().await?;
/// assert!(names.is_empty(), "a new region has no function");
/// # Ok(()) }
/// ```
pub trait LambdaExt: Lambda {
    /// The `$LATEST` configuration of every function (as [`Lambda::list_functions`]), page by
    /// page.
    fn functions(&self, opts: ListOptions) -> BoxStream<'_, Result<FunctionConfiguration>> {
        page::listing(Service::Lambda, Some(FUNCTIONS), opts, move |p| {
            self.list_functions_page(p)
        })
    }

    /// `$LATEST` and every published version of a function (as [`Lambda::list_versions`]),
    /// page by page.
    fn versions(&self, name: FunctionName, opts: ListOptions) -> BoxStream<'_, Result<FunctionConfiguration>> {
        page::listing(Service::Lambda, Some(VERSIONS), opts, move |p| {
            self.list_versions_page(name.clone(), p)
        })
    }
}

impl<T: Lambda + ?Sized> LambdaExt for T {}

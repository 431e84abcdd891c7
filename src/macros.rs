//! The macros that keep the five services in one shape.

/// Declares a service trait from a list of operations, and with it:
/// - the trait itself (`async_trait`, `Send + Sync`, object safe), with a mockall mock
///   (`Mock<Trait>`) under the `mock` feature;
/// - `impl Trait for Arc<T>` for any `T: Trait + ?Sized` (so `Arc<dyn Trait>` is a `Trait`);
/// - `impl Trait for Layered<S, L>` for any layer `L`, which passes every call through
///   [`Layer::call`](crate::layer::Layer::call) with the service and the AWS operation name
///   (an [`Op`](crate::layer::Op)) and the call's arguments;
/// - `OPERATIONS`, the AWS operation names of the trait, and `IAM_ACTIONS`, each with the IAM
///   action that authorizes it (`= "Invoke" => "lambda:InvokeFunction"`): the one table of
///   IAM actions, which [`Op::iam_action`](crate::layer::Op::iam_action) carries to layers.
///
/// Every argument is owned, so mocks match on plain values.
///
/// Every method has a default body answering [`Error::Unsupported`](crate::Error::Unsupported),
/// so an operation added in a later release does not break implementations outside the crate
/// (a user's fake implements only what it needs). The crate's own implementations (the SDK
/// adapters, the simulator, `Arc` and `Layered`) implement every operation:
/// `#[deny(clippy::missing_trait_methods)]` on each of those impls makes a forgotten one fail
/// clippy.
///
/// Types are matched as identifiers with at most one generic argument (`VpcId`,
/// `Vec<Instance>`, `()`), not as `ty` fragments: mockall cannot parse the invisible groups
/// that `ty` fragments expand to.
macro_rules! service_trait {
    (
        $(#[$tm:meta])*
        pub trait $tr:ident ($svc:expr, $ops:ident, $iams:ident) {
            $(
                $(#[$mm:meta])*
                fn $m:ident ( $($arg:ident : $aty:ident $(<$agen:ident>)?),* $(,)? ) -> $ret:tt $(<$rgen:ident>)? = $op:literal => $iam:literal;
            )*
        }
    ) => {
        $(#[$tm])*
        #[cfg_attr(feature = "mock", mockall::automock)]
        #[async_trait::async_trait]
        pub trait $tr: Send + Sync {
            $(
                $(#[$mm])*
                #[doc = ""]
                #[doc = concat!("AWS operation: `", $op, "`; IAM action: `", $iam, "`.")]
                async fn $m(&self, $($arg: $aty $(<$agen>)?),*) -> $crate::Result<$ret $(<$rgen>)?> {
                    $(let _ = $arg;)*
                    Err($crate::Error::Unsupported {
                        service: $svc,
                        operation: $op,
                        reason: "not implemented by this backend".into(),
                    })
                }
            )*
        }

        #[deny(clippy::missing_trait_methods)]
        #[async_trait::async_trait]
        impl<T: $tr + ?Sized> $tr for std::sync::Arc<T> {
            $(
                async fn $m(&self, $($arg: $aty $(<$agen>)?),*) -> $crate::Result<$ret $(<$rgen>)?> {
                    (**self).$m($($arg),*).await
                }
            )*
        }

        #[deny(clippy::missing_trait_methods)]
        #[async_trait::async_trait]
        impl<S: $tr, L: $crate::layer::Layer> $tr for $crate::layer::Layered<S, L> {
            $(
                async fn $m(&self, $($arg: $aty $(<$agen>)?),*) -> $crate::Result<$ret $(<$rgen>)?> {
                    let op = $crate::layer::Op { service: $svc, name: $op, iam_action: $iam };
                    let inner = self.inner();
                    // Each invocation makes the request anew (from clones of the arguments,
                    // which the layer also reads), so a layer may repeat it.
                    let call = $crate::layer::boxed(|| {
                        $(let $arg = $arg.clone();)*
                        async move { inner.$m($($arg),*).await }
                    });
                    // The layer reads the arguments before its future starts (`&dyn Any` is
                    // not `Sync`: the slice must not live across the await).
                    let fut = self.layer().call(op, &[$(&$arg as &dyn std::any::Any),*], call);
                    fut.await
                }
            )*
        }

        // The simulator's wire front end serves through the handles of its `Front`.
        #[cfg(feature = "wire")]
        #[deny(clippy::missing_trait_methods)]
        #[async_trait::async_trait]
        impl $tr for $crate::sim::wire::Front {
            $(
                async fn $m(&self, $($arg: $aty $(<$agen>)?),*) -> $crate::Result<$ret $(<$rgen>)?> {
                    $crate::sim::wire::Handle::<dyn $tr>::handle(self).$m($($arg),*).await
                }
            )*
        }

        // The stand-in for a service whose SDK crate is not compiled in (see
        // `Cloud::from_conf`): every call answers `Unsupported` naming the cargo feature.
        #[async_trait::async_trait]
        impl $tr for $crate::cloud::NotBuilt {
            $(
                async fn $m(&self, $($arg: $aty $(<$agen>)?),*) -> $crate::Result<$ret $(<$rgen>)?> {
                    $(let _ = $arg;)*
                    Err(self.error($svc, $op))
                }
            )*
        }

        #[doc = concat!("The AWS operation names of [`", stringify!($tr), "`], in declaration order.")]
        pub const $ops: &[&str] = &[$($op),*];

        #[doc = concat!("The IAM action of each operation of [`", stringify!($tr), "`]: (AWS operation, IAM action), in declaration order.")]
        pub const $iams: &[(&str, &str)] = &[$(($op, $iam)),*];
    };
}

/// Gives a `bon`-derived request builder a `build()` that validates.
///
/// The struct derives `bon::Builder` with `#[builder(finish_fn(name = build_unchecked, vis = ""))]`
/// and implements [`Validate`](crate::validate::Validate); this adds the public `build()`,
/// which returns `Err(Error::Validation { .. })` naming the field and the rule.
macro_rules! validated_builder {
    ($ty:ident, $builder:ident, $state_mod:ident) => {
        impl<S: $state_mod::IsComplete> $builder<S> {
            /// Validates the request and builds it; a bad field is an
            /// [`Error::Validation`](crate::Error::Validation) naming the field and the rule.
            pub fn build(self) -> $crate::Result<$ty> {
                let req = self.build_unchecked();
                $crate::validate::Validate::validate(&req)?;
                Ok(req)
            }
        }
    };
}

/// `FromStr` for enums with an inherent `parse(&str) -> Option<Self>` of their AWS names:
/// an unknown name is an [`Error::Validation`](crate::Error::Validation) naming `what` and
/// the value.
macro_rules! from_str_by_parse {
    ($($ty:ident => $what:literal),* $(,)?) => {
        $(
            impl std::str::FromStr for $ty {
                type Err = $crate::Error;
                fn from_str(s: &str) -> $crate::Result<Self> {
                    $ty::parse(s).ok_or_else(|| {
                        $crate::Error::validation($what, format!("is not a value AWS defines (got {s:?})"))
                    })
                }
            }
        )*
    };
}

pub(crate) use {from_str_by_parse, service_trait, validated_builder};

/// Declares an open enum of AWS values, the SDK's pattern: the known values, and `Unknown`
/// holding any name this version of the crate does not know, so reading a value AWS added
/// later never fails and never turns into a wrong known one.
///
/// Each variant is written `Variant = "AwsName"`. The macro adds the `Unknown(String)` variant,
/// `#[non_exhaustive]`, `as_str` (the AWS name), `parse` (known names only, `None` otherwise:
/// for validating input), `From<&str>`/`From<String>` (unknown names become `Unknown`),
/// `Display`, and serde as the AWS name (a string; unknown names round-trip).
macro_rules! open_enum {
    (
        $(#[$m:meta])*
        pub enum $name:ident {
            $( $(#[$vm:meta])* $var:ident = $aws:literal, )*
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vm])* #[doc = concat!("\n\nAWS name: `", $aws, "`.")] $var, )*
            /// A value this version of the crate does not know (AWS added it later), with the
            /// name AWS sent. Reading it never fails; sending it passes the name through.
            Unknown(String),
        }

        impl $name {
            /// The AWS names of the known values, in declaration order.
            pub const KNOWN_NAMES: &'static [&'static str] = &[$($aws),*];

            /// The AWS name (for `Unknown`, the name as received).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$var => $aws, )*
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// Parses a known AWS name (`None` for any other: use `From<&str>` to keep it as
            /// `Unknown`).
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $aws => Some($name::$var), )*
                    _ => None,
                }
            }

            /// Whether this is a value the crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s).unwrap_or_else(|| $name::Unknown(s.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name::parse(&s).unwrap_or($name::Unknown(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok($name::from(s.as_ref()))
            }
        }
    };
}

pub(crate) use open_enum;

/// Declares an SDK adapter struct over an `aws-sdk-*` client: `new(&SdkConfig)`,
/// `from_client(Client)` (for tests with `aws-smithy-mocks`) and `client()`. An optional
/// `interceptor = EXPR` is added to the clients `new` builds (e.g.
/// `sdk_util::RequireAnswer`).
#[cfg(any(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda",
    feature = "autoscaling"
))]
macro_rules! sdk_adapter {
    ($(#[$m:meta])* $name:ident, $sdk:ident $(, interceptor = $icpt:expr)?) => {
        $(#[$m])*
        #[derive(Debug, Clone)]
        pub struct $name {
            client: $sdk::Client,
        }

        impl $name {
            /// The adapter over a client built from `conf` (credentials, region, endpoint),
            /// with the SDK's own retry switched off: retrying is the
            /// [`Retry`](crate::layer::Retry) layer's job (every [`Cloud`](crate::Cloud) has
            /// one), so attempts never multiply. Used without a `Cloud`, wrap it in
            /// [`Layered`](crate::layer::Layered) with a `Retry`, or build the client yourself
            /// and use [`from_client`](Self::from_client).
            pub fn new(conf: &aws_types::SdkConfig) -> Self {
                let conf = $sdk::config::Builder::from(conf)
                    .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
                    $(.interceptor($icpt))?
                    .build();
                $name { client: $sdk::Client::from_conf(conf) }
            }

            /// The adapter over an existing client (e.g. one from `aws_smithy_mocks::mock_client!`),
            /// as it is configured: if its retry is on and it goes into a [`Cloud`](crate::Cloud)
            /// (which retries too), disable one of them
            /// (`RetryConfig::disabled()`, or [`Cloud::with_retry`](crate::Cloud::with_retry)
            /// with [`Retry::none`](crate::layer::Retry::none)).
            pub fn from_client(client: $sdk::Client) -> Self {
                $name { client }
            }

            /// The underlying SDK client, for operations this crate does not cover.
            pub fn client(&self) -> &$sdk::Client {
                &self.client
            }
        }
    };
}

#[cfg(any(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda",
    feature = "autoscaling"
))]
pub(crate) use sdk_adapter;

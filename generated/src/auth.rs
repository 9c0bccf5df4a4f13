//! The credentials every generated client carries (`csbs_auth::Credentials`: a token or an
//! AK/SK signature), applied to each request by the progenitor client hooks below.

pub use csbs_auth::{AuthError, Credentials};
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

macro_rules! hooks_for {
    ($client:ty) => {
        impl ClientHooks<Credentials> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &OperationInfo,
            ) -> Result<(), Error<E>> {
                self.inner().apply(request).map_err(|e| Error::Custom(e.to_string()))
            }
        }
    };
}

hooks_for!(crate::csbs::Client);
hooks_for!(crate::cbr::Client);

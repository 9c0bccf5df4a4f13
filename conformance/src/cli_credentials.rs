//! The credential flags shared by the run and `replay`: one declaration, one rule (a signature
//! needs both halves of the key pair).

use crate::secret::Secret;

/// `--token` or `--ak`/`--sk`, each also from its environment variable (values hidden in
/// `--help`). Empty values count as absent.
#[derive(Debug, clap::Args)]
pub struct Credentials {
    /// X-Auth-Token; prefer the environment variable (a flag shows in the process list).
    #[arg(long, env = "CSBS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Access key: sign every request (SDK-HMAC-SHA256) instead of sending a token; needs --sk.
    #[arg(long, env = "CSBS_AK", hide_env_values = true, value_name = "ACCESS_KEY")]
    pub ak: Option<String>,
    /// Secret key of --ak; prefer the environment variable (a flag shows in the process list).
    #[arg(long, env = "CSBS_SK", hide_env_values = true, value_name = "SECRET_KEY")]
    pub sk: Option<String>,
}

/// A token, an access key with its secret key, both, or neither.
pub type Resolved = (Option<Secret>, Option<(String, Secret)>);

impl Credentials {
    /// The secrets, wrapped so that they never print.
    ///
    /// Errors: one half of the AK/SK pair without the other (the message names both flags and
    /// neither value).
    pub fn resolve(self) -> Result<Resolved, String> {
        let token = self.token.filter(|t| !t.is_empty()).map(Secret::new);
        let ak_sk = match (self.ak.filter(|k| !k.is_empty()), self.sk.filter(|k| !k.is_empty())) {
            (Some(ak), Some(sk)) => Some((ak, Secret::secret_key(sk))),
            (None, None) => None,
            (Some(_), None) => {
                return Err(
                    "--ak (CSBS_AK) is given without --sk (CSBS_SK): a signature needs both"
                        .to_owned(),
                )
            }
            (None, Some(_)) => {
                return Err(
                    "--sk (CSBS_SK) is given without --ak (CSBS_AK): a signature needs both"
                        .to_owned(),
                )
            }
        };
        Ok((token, ak_sk))
    }
}

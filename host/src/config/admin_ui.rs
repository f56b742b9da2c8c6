//! The admin UI's settings (docs/admin-ui.md): whether it is on, its
//! namespace, who may sign in, and whether it may act. Flags
//! (`--admin-ui*`) over the `[admin-ui]` table of `sio.toml`; off unless
//! asked for, and on only with credentials or an explicit "no auth".

use std::fmt;

use anyhow::{Result, bail};
use serde::Deserialize;

/// The namespace the admin UI connects to unless told otherwise (Node's
/// `instrument()` default, and the UI's).
pub const DEFAULT_ADMIN_UI_NAMESPACE: &str = "/admin";

/// The admin UI, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUiConfig {
    /// The namespace it is served on (`--admin-ui-namespace`, `namespace`;
    /// default `/admin`).
    pub namespace: String,
    /// Who may sign in; None: anyone (`--admin-ui-no-auth`, `no-auth`).
    pub auth: Option<AdminUiCredentials>,
    /// Shows, never acts: no join, leave, disconnect or emit
    /// (`--admin-ui-readonly`, `readonly`).
    pub readonly: bool,
}

/// The one user the admin UI lets in.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminUiCredentials {
    /// The user name, compared as it is.
    pub username: String,
    /// The password, or its bcrypt hash.
    pub password: AdminUiPassword,
}

/// How the password is kept in the configuration.
#[derive(Clone, PartialEq, Eq)]
pub enum AdminUiPassword {
    /// A bcrypt hash (`$2a$`, `$2b$`, `$2x$` or `$2y$`), as Node's
    /// `instrument()` takes it.
    Bcrypt(String),
    /// The password itself.
    Plain(String),
}

/// Never printed: a `{:?}` of the configuration lands in logs.
impl fmt::Debug for AdminUiCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.password {
            AdminUiPassword::Bcrypt(_) => "bcrypt hash",
            AdminUiPassword::Plain(_) => "plain password",
        };
        write!(f, "AdminUiCredentials({:?}, {kind})", self.username)
    }
}

impl AdminUiPassword {
    /// A bcrypt hash when it has a bcrypt prefix (refused if it is not a
    /// valid one), else a plain password.
    fn parse(text: &str) -> Result<AdminUiPassword> {
        let prefixed = ["$2a$", "$2b$", "$2x$", "$2y$"]
            .iter()
            .any(|p| text.starts_with(p));
        if !prefixed {
            if text.is_empty() {
                bail!("the admin UI's password is empty");
            }
            return Ok(AdminUiPassword::Plain(text.to_owned()));
        }
        match text.parse::<bcrypt::HashParts>() {
            Ok(parts) if (4..=31).contains(&parts.get_cost()) => {
                Ok(AdminUiPassword::Bcrypt(text.to_owned()))
            }
            _ => bail!("the admin UI's password starts like a bcrypt hash but is not a valid one"),
        }
    }
}

/// What the command line gave (None/false: not given).
#[derive(Debug, Clone, Default)]
pub struct AdminUiOverrides {
    /// `--admin-ui`.
    pub on: bool,
    /// `--admin-ui-namespace`.
    pub namespace: Option<String>,
    /// `--admin-ui-auth USER:PASSWORD` (or `SIO_ADMIN_UI_AUTH`).
    pub auth: Option<String>,
    /// `--admin-ui-no-auth`.
    pub no_auth: bool,
    /// `--admin-ui-readonly`.
    pub readonly: bool,
}

/// `[admin-ui]` in `sio.toml`.
///
/// ```toml
/// [admin-ui]
/// enabled = true
/// namespace = "/admin"
/// username = "admin"
/// password = "$2b$10$..."   # a bcrypt hash, or the password itself
/// # no-auth = true          # instead of username and password
/// readonly = false
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AdminUiSection {
    /// `enabled`: on when true (the table alone does not turn it on).
    pub enabled: Option<bool>,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `password`: a bcrypt hash or the password.
    pub password: Option<String>,
    /// `no-auth`: anyone may sign in.
    pub no_auth: Option<bool>,
    /// `readonly`.
    pub readonly: Option<bool>,
}

impl AdminUiConfig {
    /// Flags over the file's table; None: off.
    pub(super) fn resolve(
        flags: AdminUiOverrides,
        section: &AdminUiSection,
    ) -> Result<Option<AdminUiConfig>> {
        let on = flags.on || section.enabled.unwrap_or(false);
        if !on {
            // Credentials alone may come from the environment
            // (`SIO_ADMIN_UI_AUTH`), which does not turn it on.
            let given = flags.namespace.is_some() || flags.no_auth || flags.readonly;
            if given {
                bail!("the --admin-ui-* flags need --admin-ui (or [admin-ui] enabled = true)");
            }
            return Ok(None);
        }
        let namespace = flags
            .namespace
            .or_else(|| section.namespace.clone())
            .unwrap_or_else(|| DEFAULT_ADMIN_UI_NAMESPACE.to_owned());
        super::check_namespace(&namespace, "the admin UI's namespace")?;
        let (username, password) = match (&flags.auth, &section.username, &section.password) {
            (Some(pair), _, _) => match pair.split_once(':') {
                Some((user, password)) => (Some(user.to_owned()), Some(password.to_owned())),
                None => bail!("--admin-ui-auth takes USER:PASSWORD"),
            },
            (None, user, password) => (user.clone(), password.clone()),
        };
        let no_auth = flags.no_auth || section.no_auth.unwrap_or(false);
        let auth = match (username, password, no_auth) {
            (Some(_), Some(_), true) => {
                bail!("the admin UI has credentials and no-auth at once: choose one")
            }
            (Some(username), Some(password), false) => Some(AdminUiCredentials {
                username,
                password: AdminUiPassword::parse(&password)?,
            }),
            (None, None, true) => None,
            (Some(_), None, _) | (None, Some(_), _) => {
                bail!("the admin UI needs both a username and a password")
            }
            (None, None, false) => bail!(
                "the admin UI needs credentials: --admin-ui-auth USER:PASSWORD (the password \
                 or its bcrypt hash), or --admin-ui-no-auth to let anyone in"
            ),
        };
        Ok(Some(AdminUiConfig {
            namespace,
            auth,
            readonly: flags.readonly || section.readonly.unwrap_or(false),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(auth: Option<&str>) -> AdminUiOverrides {
        AdminUiOverrides {
            on: true,
            auth: auth.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn off_unless_asked_and_flags_need_it() {
        let none = AdminUiConfig::resolve(AdminUiOverrides::default(), &Default::default());
        assert_eq!(none.unwrap(), None);
        let stray = AdminUiOverrides {
            readonly: true,
            ..Default::default()
        };
        assert!(AdminUiConfig::resolve(stray, &Default::default()).is_err());
    }

    #[test]
    fn credentials_plain_or_bcrypt() {
        let plain = AdminUiConfig::resolve(flags(Some("admin:s3cret:x")), &Default::default());
        let plain = plain.unwrap().unwrap();
        assert_eq!(plain.namespace, "/admin");
        let creds = plain.auth.unwrap();
        assert_eq!(creds.username, "admin");
        assert!(creds.password == AdminUiPassword::Plain("s3cret:x".into()));
        // bcryptjs.hashSync("changeit", 4)
        let hash = "$2a$04$/8hWzIMJB9bJyNBJXuDaPOc1FqklmH8irqAAl9gt4NlR3Ceoditku";
        let hashed =
            AdminUiConfig::resolve(flags(Some(&format!("admin:{hash}"))), &Default::default());
        let hashed = hashed.unwrap().unwrap().auth.unwrap();
        assert!(hashed.password == AdminUiPassword::Bcrypt(hash.into()));
        assert!(
            !format!("{hashed:?}").contains(hash),
            "the hash stays out of logs"
        );
        let broken = AdminUiConfig::resolve(flags(Some("admin:$2b$10$short")), &Default::default());
        assert!(broken.is_err());
    }

    #[test]
    fn auth_or_an_explicit_no_auth() {
        assert!(AdminUiConfig::resolve(flags(None), &Default::default()).is_err());
        assert!(AdminUiConfig::resolve(flags(Some("nocolon")), &Default::default()).is_err());
        let open = AdminUiOverrides {
            no_auth: true,
            ..flags(None)
        };
        assert_eq!(
            AdminUiConfig::resolve(open, &Default::default())
                .unwrap()
                .unwrap()
                .auth,
            None
        );
        let both = AdminUiOverrides {
            no_auth: true,
            ..flags(Some("a:b"))
        };
        assert!(AdminUiConfig::resolve(both, &Default::default()).is_err());
    }

    #[test]
    fn the_file_table() {
        let section = AdminUiSection {
            enabled: Some(true),
            namespace: Some("/ops".into()),
            username: Some("ops".into()),
            password: Some("pw".into()),
            readonly: Some(true),
            ..Default::default()
        };
        let c = AdminUiConfig::resolve(AdminUiOverrides::default(), &section);
        let c = c.unwrap().unwrap();
        assert_eq!((c.namespace.as_str(), c.readonly), ("/ops", true));
        let bad = AdminUiSection {
            namespace: Some("ops".into()),
            ..section
        };
        assert!(AdminUiConfig::resolve(AdminUiOverrides::default(), &bad).is_err());
    }
}

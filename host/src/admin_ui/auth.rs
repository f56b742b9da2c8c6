//! Who may sign in to the admin UI, as Node's `instrument()` decides: the
//! configured user with the password (kept plain or as a bcrypt hash), or
//! a session id handed out at an earlier sign-in (the UI signs in with it
//! when its page is reloaded), or anyone when auth is off.
//!
//! A bcrypt check costs tens of milliseconds of CPU by design: it runs on
//! a blocking thread, a few at a time, so a flood of sign-ins cannot take
//! the server's cores.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use sio_protocol::ids::random_id;

use crate::config::{AdminUiCredentials, AdminUiPassword};

/// bcrypt checks running at once; a sign-in past it is refused.
const MAX_CHECKS: usize = 4;
/// Session ids kept; past it the oldest goes.
const MAX_SESSIONS: usize = 1_000;
/// How long a session id lets its holder back in (the Redis store's
/// default in Node; its in-memory store keeps them for ever).
const SESSION_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// What to do with a sign-in.
pub(super) enum Check {
    /// Let it in; with a new session id to hand it, when it gave
    /// credentials.
    Accept { session: Option<String> },
    /// Refuse it ("invalid credentials").
    Refuse,
    /// Check `password` against the bcrypt `hash` off the task, then call
    /// [`Auth::checked`].
    Bcrypt { password: String, hash: String },
}

/// The credentials and the session ids given out.
pub(super) struct Auth {
    credentials: Option<AdminUiCredentials>,
    sessions: HashMap<String, Instant>,
    checking: usize,
}

impl Auth {
    /// None: anyone may sign in.
    pub fn new(credentials: Option<AdminUiCredentials>) -> Auth {
        Auth {
            credentials,
            sessions: HashMap::new(),
            checking: 0,
        }
    }

    /// Whether anyone may sign in.
    pub fn is_open(&self) -> bool {
        self.credentials.is_none()
    }

    /// Judge a CONNECT's payload (`auth`: `{username, password}` or
    /// `{sessionId}`, JSON text).
    pub fn check(&mut self, auth: Option<&str>) -> Check {
        let Some(credentials) = &self.credentials else {
            return Check::Accept { session: None };
        };
        let fields: Value = auth
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or(Value::Null);
        let field = |name: &str| fields.get(name).and_then(Value::as_str);
        if let Some(id) = field("sessionId")
            && self
                .sessions
                .get(id)
                .is_some_and(|at| at.elapsed() < SESSION_LIFETIME)
        {
            return Check::Accept { session: None };
        }
        let (Some(username), Some(password)) = (field("username"), field("password")) else {
            return Check::Refuse;
        };
        if !same(username, &credentials.username) {
            return Check::Refuse;
        }
        match &credentials.password {
            AdminUiPassword::Plain(expected) => {
                if same(password, expected) {
                    Check::Accept {
                        session: Some(self.new_session()),
                    }
                } else {
                    Check::Refuse
                }
            }
            AdminUiPassword::Bcrypt(hash) => {
                if self.checking >= MAX_CHECKS {
                    tracing::info!(
                        "admin UI: {MAX_CHECKS} password checks running; sign-in refused"
                    );
                    return Check::Refuse;
                }
                self.checking += 1;
                Check::Bcrypt {
                    password: password.to_owned(),
                    hash: hash.clone(),
                }
            }
        }
    }

    /// A bcrypt check ended; a session id when it matched.
    pub fn checked(&mut self, matched: bool) -> Option<String> {
        self.checking = self.checking.saturating_sub(1);
        matched.then(|| self.new_session())
    }

    fn new_session(&mut self) -> String {
        self.sessions
            .retain(|_, at| at.elapsed() < SESSION_LIFETIME);
        if self.sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = self
                .sessions
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(id, _)| id.clone())
        {
            self.sessions.remove(&oldest);
        }
        let id = random_id();
        self.sessions.insert(id.clone(), Instant::now());
        id
    }
}

/// The bcrypt check (on a blocking thread): whether `password` is the
/// hash's. A hash the check cannot read matches nothing.
pub(super) fn bcrypt_matches(password: &str, hash: &str) -> bool {
    bcrypt::verify(password, hash).unwrap_or(false)
}

/// Equal texts, in a time that depends on their lengths only.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().max(b.len());
    let diff = (0..n).fold(u8::from(a.len() != b.len()), |acc, i| {
        acc | (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0))
    });
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Auth {
        Auth::new(Some(AdminUiCredentials {
            username: "admin".into(),
            password: AdminUiPassword::Plain("pw".into()),
        }))
    }

    #[test]
    fn credentials_then_the_session_id() {
        let mut auth = plain();
        assert!(matches!(auth.check(None), Check::Refuse));
        assert!(matches!(auth.check(Some("not json")), Check::Refuse));
        let wrong = r#"{"username":"admin","password":"pW"}"#;
        assert!(matches!(auth.check(Some(wrong)), Check::Refuse));
        let Check::Accept { session: Some(id) } =
            auth.check(Some(r#"{"username":"admin","password":"pw"}"#))
        else {
            panic!("the right password is refused");
        };
        let back = format!(r#"{{"sessionId":"{id}"}}"#);
        assert!(matches!(
            auth.check(Some(&back)),
            Check::Accept { session: None }
        ));
        assert!(matches!(
            auth.check(Some(r#"{"sessionId":"guess"}"#)),
            Check::Refuse
        ));
    }

    #[test]
    fn bcrypt_checks_are_few_at_once() {
        // bcryptjs.hashSync("changeit", 4)
        let hash = "$2a$04$/8hWzIMJB9bJyNBJXuDaPOc1FqklmH8irqAAl9gt4NlR3Ceoditku";
        assert!(bcrypt_matches("changeit", hash));
        assert!(!bcrypt_matches("changeiT", hash));
        assert!(!bcrypt_matches("changeit", "$2a$04$garbage"));
        let mut auth = Auth::new(Some(AdminUiCredentials {
            username: "admin".into(),
            password: AdminUiPassword::Bcrypt(hash.into()),
        }));
        let try_it = r#"{"username":"admin","password":"changeit"}"#;
        for _ in 0..MAX_CHECKS {
            assert!(matches!(auth.check(Some(try_it)), Check::Bcrypt { .. }));
        }
        assert!(matches!(auth.check(Some(try_it)), Check::Refuse));
        assert!(auth.checked(true).is_some());
        assert!(matches!(auth.check(Some(try_it)), Check::Bcrypt { .. }));
    }

    #[test]
    fn no_auth_lets_anyone_in() {
        let mut auth = Auth::new(None);
        assert!(matches!(auth.check(None), Check::Accept { session: None }));
    }

    #[test]
    fn same_compares_whole_texts() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abc\0"));
        assert!(!same("", "a"));
        assert!(same("", ""));
    }
}

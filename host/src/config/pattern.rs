//! Namespace patterns: an endpoint entry whose path names many namespaces
//! (docs/handlers.md, "Dynamic namespaces"). Two forms, told apart by the
//! entry's key:
//!
//! * a glob, a path with `*` in it (`/room-*`): each `*` stands for one or
//!   more characters other than `/`;
//! * a regular expression after `~` (`~/game-[0-9]+`), in the `regex`
//!   crate's syntax, matched against the whole name (as if between `^` and
//!   `$`).
//!
//! A glob is turned into the same kind of regular expression, so both
//! match through one [`NamespacePattern::matches`].

use anyhow::{Context, Result, bail};

/// The longest namespace a pattern matches: every match may become an
/// endpoint of its own, named in logs, `/stats` and thread names.
pub const MAX_MATCHED_NAME: usize = 256;

/// A compiled namespace pattern; equal when written the same.
#[derive(Debug, Clone)]
pub struct NamespacePattern {
    /// The entry's key as written (`/room-*`, `~/game-[0-9]+`).
    source: String,
    regex: regex::Regex,
}

impl PartialEq for NamespacePattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl NamespacePattern {
    /// The pattern an endpoint key names; None: the key is one namespace.
    pub fn parse(key: &str) -> Result<Option<NamespacePattern>> {
        let anchored = if let Some(expression) = key.strip_prefix('~') {
            if expression.is_empty() {
                bail!("namespace pattern `{key}`: no regular expression after `~`");
            }
            format!("^(?:{expression})$")
        } else if key.contains('*') {
            if key.contains("**") {
                bail!("namespace pattern `{key}`: `**` would match what `*` does; write one `*`");
            }
            let parts: Vec<String> = key.split('*').map(regex::escape).collect();
            format!("^{}$", parts.join("[^/]+"))
        } else {
            return Ok(None);
        };
        let regex = regex::RegexBuilder::new(&anchored)
            // Patterns come from the operator, but a huge one would cost
            // every CONNECT: keep the compiled form small.
            .size_limit(1 << 20)
            .build()
            .with_context(|| format!("namespace pattern `{key}`"))?;
        Ok(Some(NamespacePattern {
            source: key.to_string(),
            regex,
        }))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `name` (a namespace a client asked for) is one of this
    /// pattern's. Never a name over [`MAX_MATCHED_NAME`] bytes, or one with
    /// a control character or a `*` (a `*` could make a name read as a
    /// pattern in `/stats`), whatever the expression says.
    pub fn matches(&self, name: &str) -> bool {
        name.len() <= MAX_MATCHED_NAME
            && !name.chars().any(|c| c.is_control() || c == '*')
            && self.regex.is_match(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(key: &str) -> NamespacePattern {
        NamespacePattern::parse(key).unwrap().unwrap()
    }

    #[test]
    fn exact_keys_are_no_pattern() {
        assert!(NamespacePattern::parse("/chat").unwrap().is_none());
        assert!(NamespacePattern::parse("/").unwrap().is_none());
    }

    #[test]
    fn a_glob_star_is_one_or_more_characters_but_slash() {
        let p = pattern("/room-*");
        assert!(p.matches("/room-1"));
        assert!(p.matches("/room-lobby.2"));
        assert!(!p.matches("/room-"));
        assert!(!p.matches("/room-1/x"));
        assert!(!p.matches("/rooms-1"));
        assert!(!p.matches("/x/room-1"));
        let p = pattern("/team-*/room-*");
        assert!(p.matches("/team-a/room-1"));
        assert!(!p.matches("/team-a/b/room-1"));
        // Regex characters in a glob are plain characters.
        let p = pattern("/a.b+*");
        assert!(p.matches("/a.b+c"));
        assert!(!p.matches("/axb+c"));
    }

    #[test]
    fn a_regex_matches_the_whole_name() {
        let p = pattern("~/game-[0-9]+");
        assert!(p.matches("/game-12"));
        assert!(!p.matches("/game-12x"));
        assert!(!p.matches("/x/game-12"));
        assert!(pattern(r"~^/g-\d+$").matches("/g-7"));
        assert!(pattern("~/a|/b").matches("/b"));
        assert!(!pattern("~/a|/b").matches("/ab"));
    }

    #[test]
    fn names_a_pattern_never_matches() {
        let p = pattern("~/.+");
        assert!(!p.matches("/a\u{0}b"));
        assert!(!p.matches("/a\nb"));
        assert!(!p.matches("/room-*"));
        assert!(!p.matches(&format!("/{}", "x".repeat(MAX_MATCHED_NAME))));
        assert!(p.matches(&format!("/{}", "x".repeat(MAX_MATCHED_NAME - 1))));
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(NamespacePattern::parse("~").is_err());
        assert!(NamespacePattern::parse("~/a(").is_err());
        assert!(NamespacePattern::parse("/a**").is_err());
    }
}

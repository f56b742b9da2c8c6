//! Logging through the host (`host.log`). The [`trace!`](crate::trace),
//! [`debug!`](crate::debug), [`info!`](crate::info), [`warn!`](crate::warn)
//! and [`error!`](crate::error) macros take `format!` arguments.

use crate::{LogLevel, sys};

/// Logs `message` at `level`.
pub fn write(level: LogLevel, message: &str) {
    sys::log(level, message);
}

/// Logs at trace level.
pub fn trace(message: &str) {
    write(LogLevel::Trace, message);
}

/// Logs at debug level.
pub fn debug(message: &str) {
    write(LogLevel::Debug, message);
}

/// Logs at info level.
pub fn info(message: &str) {
    write(LogLevel::Info, message);
}

/// Logs at warn level.
pub fn warn(message: &str) {
    write(LogLevel::Warn, message);
}

/// Logs at error level.
pub fn error(message: &str) {
    write(LogLevel::Error, message);
}

/// Logs a `format!` message at trace level through the host.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        $crate::log::write($crate::LogLevel::Trace, &::std::format!($($arg)+))
    };
}

/// Logs a `format!` message at debug level through the host.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::log::write($crate::LogLevel::Debug, &::std::format!($($arg)+))
    };
}

/// Logs a `format!` message at info level through the host.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::log::write($crate::LogLevel::Info, &::std::format!($($arg)+))
    };
}

/// Logs a `format!` message at warn level through the host.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        $crate::log::write($crate::LogLevel::Warn, &::std::format!($($arg)+))
    };
}

/// Logs a `format!` message at error level through the host.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        $crate::log::write($crate::LogLevel::Error, &::std::format!($($arg)+))
    };
}

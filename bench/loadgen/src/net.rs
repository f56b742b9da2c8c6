//! TCP connections from chosen loopback source addresses, and what the
//! kernel says about a process (RSS, CPU time, time waiting for a CPU).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;

use anyhow::{Context, Result};
use tokio::net::{TcpSocket, TcpStream};

/// Connects to `addr`, first binding to `source` when given: each loopback
/// source address has its own ~28,000 ephemeral ports
/// (`net.ipv4.ip_local_port_range`) towards one server address.
pub async fn tcp_connect(addr: SocketAddr, source: Option<IpAddr>) -> Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    if let Some(ip) = source {
        // Pick the port at connect(), by the whole 4-tuple, not at bind():
        // the source address then has its whole port range for this server.
        let one: libc::c_int = 1;
        // SAFETY: a valid socket fd and a c_int option value of the right size.
        unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_BIND_ADDRESS_NO_PORT,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        socket
            .bind(SocketAddr::new(ip, 0))
            .with_context(|| format!("binding to {ip}"))?;
    }
    let stream = socket
        .connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The source address of socket number `socket_index`: none (the kernel's
/// choice, 127.0.0.1) when every socket fits on one address, else
/// 127.0.0.2, 127.0.0.3, ... with `per_ip` sockets each.
pub fn source_for(socket_index: usize, total_sockets: usize, per_ip: usize) -> Option<IpAddr> {
    if total_sockets <= per_ip {
        return None;
    }
    let n = 2 + socket_index / per_ip;
    assert!(
        n < 255,
        "too many sockets for 127.0.0.2-254 at {per_ip} per address"
    );
    Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n as u8)))
}

/// VmRSS of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// User + system CPU time of a process (all its threads) in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as f64 } else { 100.0 };
    Some((utime + stime) as f64 / ticks)
}

/// Time the threads of a process spent runnable but waiting for a CPU, in
/// seconds: the second field of each `/proc/PID/task/TID/schedstat`
/// (nanoseconds). Other load on the pinned core shows up here; so do a
/// process's own threads waiting for each other on one core.
pub fn runq_wait_seconds(pid: u32) -> Option<f64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut ns: u64 = 0;
    for task in tasks.flatten() {
        // A thread that exited since the listing is skipped.
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        ns += stat
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(ns as f64 / 1e9)
}

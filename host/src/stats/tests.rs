use serde_json::json;

use super::*;

#[test]
fn rate_counts_complete_seconds_of_the_window() {
    let r = Rate::default();
    r.add(5, 10);
    r.add(6, 20);
    r.add(7, 1000); // the current second is not counted yet
    assert_eq!(r.sum(7, RATE_WINDOW_SECS), 30);
    // 61 seconds later the buckets are stale.
    assert_eq!(r.sum(68, RATE_WINDOW_SECS), 0);
    r.add(65, 4);
    assert_eq!(r.sum(66, 1), 4);
}

#[test]
fn limits_rebuilds_and_refusals() {
    let s = Stats::default();
    let ep = s.endpoint("/x");
    ep.record("on-event", Duration::from_micros(10), CallOutcome::Memory);
    ep.record("on-event", Duration::from_micros(10), CallOutcome::Fuel);
    ep.record("snapshot", Duration::from_micros(10), CallOutcome::Ok);
    ep.rebuilds.fetch_add(2, Relaxed);
    ep.host_errors[5].fetch_add(3, Relaxed);
    let j = s.to_json();
    let x = &j["handlers"]["endpoints"]["/x"];
    assert_eq!(x["exports"]["on-event"]["memory"], 1);
    assert_eq!(x["exports"]["on-event"]["fuel"], 1);
    assert_eq!(x["exports"]["snapshot"]["calls"], 1);
    assert_eq!(x["rebuilds"], 2);
    assert_eq!(x["host_errors"]["limit_exceeded"], 3);
    assert_eq!(x["host_errors"]["unknown_conn"], 0);
    assert_eq!(
        (&j["handlers"]["memory"], &j["handlers"]["fuel"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(j["handlers"]["host_errors"], 3);
    assert_eq!(j["sessions"]["closed_by_reason"]["slow_consumer"], 0);
    let text = s.to_prometheus();
    assert!(
        text.contains("sio_host_call_refusals_total{endpoint=\"/x\",error=\"limit_exceeded\"} 3")
    );
    assert!(text.contains("sio_handler_rebuilds_total{endpoint=\"/x\"} 2"));
    assert!(text.contains(
        "sio_handler_failures_total{endpoint=\"/x\",export=\"on-event\",kind=\"fuel\"} 1"
    ));
}

#[test]
fn latency_buckets_and_failures() {
    let s = Stats::default();
    let ep = s.endpoint("/");
    ep.record("on-event", Duration::from_micros(40), CallOutcome::Ok);
    ep.record("on-event", Duration::from_secs(5), CallOutcome::Deadline);
    let j = s.to_json();
    let e = &j["handlers"]["endpoints"]["/"]["exports"]["on-event"];
    assert_eq!(e["calls"], 2);
    assert_eq!(e["deadlines"], 1);
    assert_eq!(e["latency_us"]["counts"][0], 1);
    assert_eq!(e["latency_us"]["counts"][LATENCY_BUCKETS_US.len()], 1);
    assert_eq!(j["handlers"]["deadlines"], 1);
    let text = s.to_prometheus();
    assert!(text.contains(
        "sio_handler_call_seconds_bucket{endpoint=\"/\",export=\"on-event\",le=\"+Inf\"} 2"
    ));
}

#[test]
fn a_stopped_pattern_namespace_counts_in_its_patterns_entry() {
    let s = Stats::default();
    let own = s.endpoint_in("/room-*", Some("/room-*"));
    let room = s.endpoint_in("/room-1", Some("/room-*"));
    room.record("on-event", Duration::from_micros(40), CallOutcome::Trap);
    room.connects.fetch_add(2, Relaxed);
    room.host_errors[1].fetch_add(1, Relaxed);
    let p = s.pattern("/room-*");
    p.alive.store(1, Relaxed);
    p.refused_max_namespaces.fetch_add(3, Relaxed);
    let j = s.to_json();
    assert_eq!(j["handlers"]["endpoints"]["/room-1"]["pattern"], "/room-*");
    assert_eq!(j["handlers"]["endpoints"]["/room-1"]["connects"], 2);
    assert_eq!(j["namespace_patterns"]["/room-*"]["alive"], 1);
    assert_eq!(j["namespace_connects"]["refused_max_namespaces"], 3);
    assert!(
        s.to_prometheus()
            .contains("sio_pattern_refused_max_namespaces_total{pattern=\"/room-*\"} 3")
    );

    s.retire_endpoint("/room-1", "/room-*");
    let j = s.to_json();
    assert!(j["handlers"]["endpoints"].get("/room-1").is_none());
    let entry = &j["handlers"]["endpoints"]["/room-*"];
    assert_eq!(entry["connects"], 2);
    assert_eq!(entry["exports"]["on-event"]["traps"], 1);
    assert_eq!(entry["host_errors"]["invalid_json"], 1);
    // Totals stay.
    assert_eq!(j["handlers"]["calls"], 1);
    assert_eq!(j["namespace_connects"]["ok"], 2);
    assert_eq!(own.connects.load(Relaxed), 2);
    // A namespace of the same name started later counts afresh.
    assert_eq!(
        s.endpoint_in("/room-1", Some("/room-*"))
            .connects
            .load(Relaxed),
        0
    );
}

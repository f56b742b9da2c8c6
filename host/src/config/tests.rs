//! Unit tests of `config`: flags over sio.toml over defaults, validation.

use super::*;

#[test]
fn endpoint_specs() {
    let e = EndpointConfig::parse("chat.wasm").unwrap();
    assert_eq!(
        (e.namespace.as_str(), e.component.to_str()),
        ("/", Some("chat.wasm"))
    );
    let e = EndpointConfig::parse("/admin=a/admin.wasm").unwrap();
    assert_eq!(
        (e.namespace.as_str(), e.component.to_str()),
        ("/admin", Some("a/admin.wasm"))
    );
    assert!(EndpointConfig::parse("admin=x.wasm").is_err());
    assert!(EndpointConfig::parse("/admin=").is_err());
    assert!(EndpointConfig::parse("/a,b=x.wasm").is_err());
}

#[test]
fn config_file_endpoints_and_values() {
    let f = FileConfig::parse(
        r#"
        [server]
        ping-interval = 300
        static = ["/vendor=dist"]

        [endpoints."/"]
        component = "a.wasm"
        config = { greeting = "hi", rooms = 3, beta = true, ratio = 0.5 }

        [endpoints."/chat"]
        component = "/abs/chat.wasm"
        call-deadline = 200
        max-memory = 64
        "#,
    )
    .unwrap();
    assert_eq!(f.server.as_ref().unwrap().ping_interval, Some(300));
    let e = f.endpoints(Path::new("conf/sio.toml")).unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].namespace, "/");
    assert_eq!(e[0].component, Path::new("conf/a.wasm"));
    assert_eq!(
        e[0].values,
        [
            ("beta", "true"),
            ("greeting", "hi"),
            ("ratio", "0.5"),
            ("rooms", "3")
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(e[1].component, Path::new("/abs/chat.wasm"));
    assert_eq!(e[1].call_deadline, Some(Duration::from_millis(200)));
    assert_eq!(e[1].max_memory, Some(64 << 20));
}

#[test]
fn http_allow_per_endpoint_over_the_servers_list() {
    let f = FileConfig::parse(
        r#"
        [server]
        http-allow = ["server.example"]

        [endpoints."/"]
        component = "a.wasm"

        [endpoints."/own"]
        component = "a.wasm"
        http-allow = ["127.0.0.1:9000"]

        [endpoints."/none"]
        component = "a.wasm"
        http-allow = []
        "#,
    )
    .unwrap();
    assert_eq!(f.server.as_ref().unwrap().http_allow, ["server.example"]);
    let e = f.endpoints(Path::new("sio.toml")).unwrap();
    let lists: Vec<_> = e.iter().map(|e| e.http_allow.clone()).collect();
    assert_eq!(
        lists,
        [None, Some(vec!["127.0.0.1:9000".to_string()]), Some(vec![])]
    );
    // A flag's list replaces the file's.
    assert_eq!(flag_or_file(vec![], &["f".into()]), ["f"]);
    assert_eq!(flag_or_file(vec!["c".into()], &["f".into()]), ["c"]);
}

#[test]
fn config_file_sandbox_limits_and_wasi_grants() {
    let f = FileConfig::parse(
        r#"
        [server]
        fuel = 1000
        max-outbound-per-call = 50
        checkpoint-interval = 0
        max-outbound-queue = 65536
        max-pending-events = 32

        [endpoints."/"]
        component = "a.wasm"
        fuel = 5
        max-outbound-per-call = 7
        checkpoint-interval = 250

        [endpoints."/".wasi]
        env = { LANG = "C" }
        dirs = [{ host = "data", guest = "/data", writable = true }]
        "#,
    )
    .unwrap();
    let server = f.server.as_ref().unwrap();
    assert_eq!(
        (server.fuel, server.max_outbound_per_call),
        (Some(1000), Some(50))
    );
    assert_eq!(
        (server.checkpoint_interval, server.max_outbound_queue),
        (Some(0), Some(65536))
    );
    assert_eq!(server.max_pending_events, Some(32));
    let e = &f.endpoints(Path::new("conf/sio.toml")).unwrap()[0];
    assert_eq!(e.fuel, Some(5));
    assert_eq!(e.max_outbound_per_call, Some(7));
    assert_eq!(e.checkpoint_interval, Some(Duration::from_millis(250)));
    assert_eq!(e.wasi.env.get("LANG").map(String::as_str), Some("C"));
    assert_eq!(
        e.wasi.dirs,
        [DirGrant {
            host: PathBuf::from("conf/data"),
            guest: "/data".into(),
            writable: true,
        }]
    );
    // Nothing is granted unless asked for.
    let bare = FileConfig::parse("[endpoints.\"/\"]\ncomponent = \"a.wasm\"").unwrap();
    let e = &bare.endpoints(Path::new("sio.toml")).unwrap()[0];
    assert_eq!(e.wasi, WasiGrants::default());
    assert!(
        FileConfig::parse("[endpoints.\"/\"]\ncomponent = \"a\"\nwasi = { net = true }").is_err()
    );
}

#[test]
fn pattern_entries_keep_the_files_order_and_their_limits() {
    let f = FileConfig::parse(
        r#"
        [server]
        max-namespaces = 50
        namespace-idle-timeout = 0

        [endpoints."~/r-[0-9]+"]
        component = "a.wasm"
        max-namespaces = 3

        [endpoints."/r-*"]
        component = "a.wasm"
        namespace-idle-timeout = 500

        [endpoints."/chat"]
        component = "a.wasm"
        "#,
    )
    .unwrap();
    let server = f.server.as_ref().unwrap();
    assert_eq!(
        (server.max_namespaces, server.namespace_idle_timeout),
        (Some(50), Some(0))
    );
    let e = f.endpoints(Path::new("sio.toml")).unwrap();
    let keys: Vec<&str> = e.iter().map(|e| e.namespace.as_str()).collect();
    assert_eq!(keys, ["~/r-[0-9]+", "/r-*", "/chat"]);
    assert!(e[0].pattern.as_ref().is_some_and(|p| p.matches("/r-12")));
    assert!(e[1].pattern.as_ref().is_some_and(|p| p.matches("/r-x")));
    assert!(e[2].pattern.is_none());
    let defaults = NamespaceLimits {
        max_namespaces: 50,
        idle_timeout: Duration::ZERO,
    };
    assert_eq!(
        defaults.for_entry(&e[0]),
        NamespaceLimits {
            max_namespaces: 3,
            idle_timeout: Duration::ZERO
        }
    );
    assert_eq!(
        defaults.for_entry(&e[1]).idle_timeout,
        Duration::from_millis(500)
    );
    // The CLI's forms.
    let cli = EndpointConfig::parse("/room-*=x.wasm").unwrap();
    assert!(cli.pattern.is_some_and(|p| p.as_str() == "/room-*"));
    let cli = EndpointConfig::parse("~/g-[0-9]+=x.wasm").unwrap();
    assert!(cli.pattern.is_some_and(|p| p.matches("/g-1")));
    assert!(EndpointConfig::parse("~/g-(=x.wasm").is_err());
    assert!(EndpointConfig::parse("/room-*/=x.wasm").is_err());
}

#[test]
fn config_file_errors_say_what_is_wrong() {
    let err = |text: &str| {
        let f = match FileConfig::parse(text) {
            Ok(f) => f,
            Err(e) => return format!("{e:#}"),
        };
        match f.endpoints(Path::new("sio.toml")) {
            Ok(_) => String::new(),
            Err(e) => format!("{e:#}"),
        }
    };
    assert!(err("[endpoint]\ncomponent = \"x\"").contains("unknown field `endpoint`"));
    assert!(err("[endpoints.\"/\"]\n").contains("missing field `component`"));
    assert!(err("[endpoints.\"chat\"]\ncomponent = \"x\"").contains("starts with `/`"));
    assert!(
        err("[endpoints.\"/\"]\ncomponent = \"x\"\nconfig = { a = [1] }")
            .contains("config value `a` is a array")
    );
    assert!(err("[server]\nlisten = \"nope\"").contains("invalid socket address"));
    assert!(err("[endpoints.\"~/a(\"]\ncomponent = \"x\"").contains("namespace pattern `~/a(`"));
}

#[test]
fn flags_override_the_file_and_cli_endpoints_join_it() {
    let dir = std::env::temp_dir().join(format!("sio-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["a.wasm", "b.wasm", "c.wasm"] {
        std::fs::write(dir.join(f), b"").unwrap();
    }
    let toml = dir.join("sio.toml");
    std::fs::write(
        &toml,
        "[server]\nping-interval = 300\nping-timeout = 200\nwatch = true\n\
         [endpoints.\"/\"]\ncomponent = \"a.wasm\"\nconfig = { k = \"v\" }\n\
         [endpoints.\"/x\"]\ncomponent = \"b.wasm\"\n",
    )
    .unwrap();
    let c = Config::resolve(Overrides {
        config_file: Some(toml.clone()),
        endpoints: vec![
            EndpointConfig::parse(&format!("/={}", dir.join("c.wasm").display())).unwrap(),
            EndpointConfig::parse(&format!("/y={}", dir.join("c.wasm").display())).unwrap(),
        ],
        ping_interval: Some(Duration::from_millis(1000)),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(c.ping_interval, Duration::from_millis(1000));
    assert_eq!(c.ping_timeout, Duration::from_millis(200));
    assert!(c.watch);
    assert_eq!(c.max_payload, 1_000_000);
    let names: Vec<&str> = c.endpoints.iter().map(|e| e.namespace.as_str()).collect();
    assert_eq!(names, ["/", "/x", "/y"]);
    // The CLI's component, the file's values.
    assert_eq!(c.endpoints[0].component, dir.join("c.wasm"));
    assert_eq!(c.endpoints[0].values, [("k".to_string(), "v".to_string())]);
    assert_eq!(c.source.endpoints().unwrap(), c.endpoints);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn namespace_limits_from_the_flags_and_where_they_apply() {
    let dir = std::env::temp_dir().join(format!("sio-config-patterns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), b"").unwrap();
    let toml = dir.join("sio.toml");
    let with = |text: &str, max: Option<usize>| {
        std::fs::write(&toml, text).unwrap();
        Config::resolve(Overrides {
            config_file: Some(toml.clone()),
            max_namespaces: max,
            ..Overrides::default()
        })
    };
    let pattern = "[endpoints.\"/room-*\"]\ncomponent = \"a.wasm\"\n";
    let c = with(pattern, None).unwrap();
    assert_eq!(
        c.namespace_limits(),
        NamespaceLimits {
            max_namespaces: 1000,
            idle_timeout: Duration::from_secs(60)
        }
    );
    assert_eq!(with(pattern, Some(7)).unwrap().max_namespaces, 7);
    let zero = with(pattern, Some(0)).unwrap_err();
    assert!(format!("{zero:#}").contains("--max-namespaces"), "{zero:#}");
    let exact = with(
        "[endpoints.\"/chat\"]\ncomponent = \"a.wasm\"\nmax-namespaces = 3\n",
        None,
    )
    .unwrap_err();
    assert!(
        format!("{exact:#}").contains("for pattern entries"),
        "{exact:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_url_from_the_file_or_the_flag_and_checked() {
    let dir = std::env::temp_dir().join(format!("sio-config-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), b"").unwrap();
    let toml = dir.join("sio.toml");
    std::fs::write(
        &toml,
        "[server]\nredis = \"redis://10.0.0.5:6379/\"\n[endpoints.\"/\"]\ncomponent = \"a.wasm\"\n",
    )
    .unwrap();
    let with = |redis: Option<&str>| {
        Config::resolve(Overrides {
            config_file: Some(toml.clone()),
            redis: redis.map(str::to_string),
            ..Overrides::default()
        })
    };
    assert_eq!(
        with(None).unwrap().redis.as_deref(),
        Some("redis://10.0.0.5:6379/")
    );
    let flag = with(Some("redis://127.0.0.1:7000")).unwrap();
    assert_eq!(flag.redis.as_deref(), Some("redis://127.0.0.1:7000"));
    let bad = with(Some("http://nope")).unwrap_err();
    assert!(format!("{bad:#}").contains("bad Redis URL"), "{bad:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn static_mounts_alone_serve_pages_but_nothing_at_all_is_refused() {
    let pages = Config::resolve(Overrides {
        static_mounts: vec![StaticMount::parse("examples/chat/static").unwrap()],
        ..Overrides::default()
    })
    .unwrap();
    assert!(pages.endpoints.is_empty());
    let nothing = Config::resolve(Overrides::default()).unwrap_err();
    assert!(
        format!("{nothing:#}").contains("no endpoint given"),
        "{nothing:#}"
    );
}

#[test]
fn static_specs() {
    let m = StaticMount::parse("examples/chat/static").unwrap();
    assert_eq!(m.prefix, "/");
    let m = StaticMount::parse("/vendor=node_modules/x").unwrap();
    assert_eq!(m.prefix, "/vendor/");
    assert!(StaticMount::parse("/socket.io/x=dir").is_err());
}

#[test]
fn connection_caps_and_event_rate_from_the_file_or_the_flags() {
    let dir = std::env::temp_dir().join(format!("sio-config-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), b"").unwrap();
    let toml = dir.join("sio.toml");
    std::fs::write(
        &toml,
        "[server]\nmax-events-per-second = 50\nrate-limit-grace = 2000\n\
         max-connections = 1000\nmax-connections-per-ip = 10\n\
         [endpoints.\"/\"]\ncomponent = \"a.wasm\"\n",
    )
    .unwrap();
    let with = |o: Overrides| {
        Config::resolve(Overrides {
            config_file: Some(toml.clone()),
            ..o
        })
    };
    let c = with(Overrides::default()).unwrap();
    assert_eq!(c.max_events_per_second, Some(50));
    assert_eq!(c.rate_limit_grace, Duration::from_secs(2));
    assert_eq!(
        (c.max_connections, c.max_connections_per_ip),
        (Some(1000), Some(10))
    );
    let flags = with(Overrides {
        max_events_per_second: Some(5),
        max_connections_per_ip: Some(2),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(flags.max_events_per_second, Some(5));
    assert_eq!(flags.max_connections_per_ip, Some(2));
    assert_eq!(flags.max_connections, Some(1000));
    // None of them by default; zero is refused (leave a cap out for none).
    let d = Config::resolve(Overrides {
        endpoints: vec![
            EndpointConfig::parse(&format!("{}", dir.join("a.wasm").display())).unwrap(),
        ],
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(
        (
            d.max_events_per_second,
            d.max_connections,
            d.max_connections_per_ip
        ),
        (None, None, None)
    );
    assert_eq!(d.rate_limit_grace, Duration::from_secs(10));
    let zero = with(Overrides {
        max_connections: Some(0),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(format!("{zero:#}").contains("above 0"), "{zero:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_store_backend_from_the_file_the_flags_and_redis() {
    let dir = std::env::temp_dir().join(format!("sio-config-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), b"").unwrap();
    let toml = dir.join("sio.toml");
    let with = |store: &str, o: Overrides| {
        std::fs::write(
            &toml,
            format!("{store}\n[endpoints.\"/\"]\ncomponent = \"a.wasm\"\n"),
        )
        .unwrap();
        Config::resolve(Overrides {
            config_file: Some(toml.clone()),
            ..o
        })
    };
    let memory = with("", Overrides::default()).unwrap();
    assert_eq!(memory.store.backend, StoreBackendKind::Memory);
    assert_eq!(memory.store.timeout, Duration::from_millis(100));
    // A path in sio.toml is relative to its folder.
    let file = with(
        "[store]\npath = \"data/s.redb\"\nmax-keys = 10",
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(
        file.store.backend,
        StoreBackendKind::File(dir.join("data/s.redb"))
    );
    assert_eq!(file.store.max_keys, 10);
    let flag = with(
        "",
        Overrides {
            store_path: Some(PathBuf::from("/tmp/x.redb")),
            ..Overrides::default()
        },
    )
    .unwrap();
    assert_eq!(
        flag.store.backend,
        StoreBackendKind::File(PathBuf::from("/tmp/x.redb"))
    );
    // --redis makes Redis the default; `backend` chooses otherwise.
    let redis = || Overrides {
        redis: Some("redis://127.0.0.1:6379".into()),
        ..Overrides::default()
    };
    assert_eq!(
        with("", redis()).unwrap().store.backend,
        StoreBackendKind::Redis
    );
    let kept = with("[store]\nbackend = \"memory\"", redis()).unwrap();
    assert_eq!(kept.store.backend, StoreBackendKind::Memory);
    let e = with("[store]\nbackend = \"redis\"", Overrides::default()).unwrap_err();
    assert!(format!("{e:#}").contains("needs --redis"), "{e:#}");
    let e = with("[store]\nbackend = \"file\"", Overrides::default()).unwrap_err();
    assert!(format!("{e:#}").contains("needs a path"), "{e:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_parser_and_the_msgpack_path() {
    let dir = std::env::temp_dir().join(format!("sio-config-parser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), b"").unwrap();
    let toml = dir.join("sio.toml");
    let with = |server: &str, o: Overrides| {
        std::fs::write(
            &toml,
            format!("[server]\n{server}\n[endpoints.\"/\"]\ncomponent = \"a.wasm\"\n"),
        )
        .unwrap();
        Config::resolve(Overrides {
            config_file: Some(toml.clone()),
            ..o
        })
    };
    let d = with("", Overrides::default()).unwrap();
    assert_eq!((d.parser, d.msgpack_path), (Parser::Json, None));
    // The file's keys; a path gets its trailing slash.
    let f = with(
        "parser = \"msgpack\"\nmsgpack-path = \"/mp\"",
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(f.parser, Parser::Msgpack);
    assert_eq!(f.msgpack_path.as_deref(), Some("/mp/"));
    // Flags over the file.
    let flags = with(
        "parser = \"msgpack\"",
        Overrides {
            parser: Some("json".into()),
            msgpack_path: Some("/socket.io-msgpack/".into()),
            ..Overrides::default()
        },
    )
    .unwrap();
    assert_eq!(flags.parser, Parser::Json);
    assert_eq!(flags.msgpack_path.as_deref(), Some("/socket.io-msgpack/"));
    // Refused: another parser, a path that is not one, `/`, or one that
    // /socket.io/ and it would share.
    for server in [
        "parser = \"protobuf\"",
        "msgpack-path = \"mp\"",
        "msgpack-path = \"/\"",
        "msgpack-path = \"/socket.io/mp\"",
        "msgpack-path = \"/socket.io\"",
    ] {
        assert!(with(server, Overrides::default()).is_err(), "{server}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn websocket_compression_from_the_file_or_the_flags() {
    let dir = std::env::temp_dir().join(format!("sio-config-deflate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), b"").unwrap();
    let with = |file: &str, on: bool, threshold: Option<usize>| {
        let toml = dir.join("sio.toml");
        std::fs::write(
            &toml,
            format!("{file}[endpoints.\"/\"]\ncomponent = \"a.wasm\"\n"),
        )
        .unwrap();
        Config::resolve(Overrides {
            config_file: Some(toml),
            ws_compression: on,
            ws_compression_threshold: threshold,
            ..Overrides::default()
        })
        .unwrap()
        .ws_compression
    };
    // Off by default; the flag turns it on at Node's threshold.
    assert_eq!(with("", false, None), None);
    assert_eq!(with("", true, None), Some(1024));
    assert_eq!(with("", true, Some(0)), Some(0));
    // The threshold alone does not turn it on.
    assert_eq!(with("", false, Some(10)), None);
    let file = "[server]\nws-compression = true\nws-compression-threshold = 4096\n";
    assert_eq!(with(file, false, None), Some(4096));
    assert_eq!(with(file, false, Some(100)), Some(100));
    assert_eq!(
        with("[server]\nws-compression = false\n", true, None),
        Some(1024)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shards_from_the_file_or_the_flag_and_where_they_apply() {
    let dir = std::env::temp_dir().join(format!("sio-config-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), b"").unwrap();
    let toml = dir.join("sio.toml");
    let with = |text: &str, o: Overrides| {
        std::fs::write(&toml, text).unwrap();
        Config::resolve(Overrides {
            config_file: Some(toml.clone()),
            ..o
        })
    };
    let plain = "[endpoints.\"/\"]\ncomponent = \"a.wasm\"\n";
    let pattern = "[endpoints.\"/room-*\"]\ncomponent = \"a.wasm\"\n";
    let shards = |n| Overrides {
        shards: Some(Shards::Count(n)),
        ..Overrides::default()
    };

    // One instance unless asked; the flag is every plain entry's default,
    // an entry's own `shards` wins; a pattern's namespaces keep one each.
    let c = with(plain, Overrides::default()).unwrap();
    assert_eq!(c.shards_for(&c.endpoints[0]), 1);
    let c = with(plain, shards(3)).unwrap();
    assert_eq!(c.shards_for(&c.endpoints[0]), 3);
    let own = "[endpoints.\"/\"]\ncomponent = \"a.wasm\"\nshards = 2\n";
    assert_eq!(
        with(own, shards(3)).unwrap().endpoints[0].shards,
        Some(Shards::Count(2))
    );
    let auto = "[server]\nshards = \"auto\"\n[endpoints.\"/\"]\ncomponent = \"a.wasm\"\n";
    let c = with(auto, Overrides::default()).unwrap();
    assert_eq!(c.shards, Shards::Auto);
    assert!(c.shards_for(&c.endpoints[0]) >= 1);
    let c = with(pattern, shards(4)).unwrap();
    assert_eq!(c.shards_for(&c.endpoints[0]), 1);

    // Refused: 0, too many, a word but "auto", a pattern's own, and with
    // --redis or recovery (not composed yet).
    assert_eq!(Shards::parse("auto").unwrap(), Shards::Auto);
    assert!(Shards::parse("0").is_err());
    assert!(Shards::parse("65").is_err());
    assert!(Shards::parse("many").is_err());
    let zero = with(
        "[endpoints.\"/\"]\ncomponent = \"a.wasm\"\nshards = 0\n",
        Overrides::default(),
    );
    assert!(format!("{:#}", zero.unwrap_err()).contains("shards must be 1 to 64"));
    let on_pattern = "[endpoints.\"/room-*\"]\ncomponent = \"a.wasm\"\nshards = 2\n";
    let e = with(on_pattern, Overrides::default()).unwrap_err();
    assert!(
        format!("{e:#}").contains("shards are for plain entries"),
        "{e:#}"
    );
    let e = with(
        plain,
        Overrides {
            redis: Some("redis://127.0.0.1:6379".into()),
            ..shards(2)
        },
    )
    .unwrap_err();
    assert!(
        format!("{e:#}").contains("do not work with --redis"),
        "{e:#}"
    );
    let e = with(
        plain,
        Overrides {
            recovery: true,
            ..shards(2)
        },
    )
    .unwrap_err();
    assert!(
        format!("{e:#}").contains("connection state recovery"),
        "{e:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

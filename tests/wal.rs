//! The example database's write-ahead log: compaction keeps exactly the live state, loses no
//! write made while it runs, and a reopened log replays to the same data.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use kvstore::wal::{Record, Wal};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kvstore-wal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn compaction_keeps_the_live_state_and_shrinks_the_log() {
    let dir = scratch("shrink");
    let (wal, state) = Wal::open(&dir).await.unwrap();
    assert!(state.is_empty());
    let mut expected = HashMap::new();
    for i in 0..2_000 {
        let key = format!("k{}", i % 10);
        if i % 7 == 0 {
            wal.append(&Record::Del(key.clone())).await.unwrap();
            expected.remove(&key);
        } else {
            let value = format!("v{i} with spaces");
            wal.append(&Record::Set(key.clone(), value.clone()))
                .await
                .unwrap();
            expected.insert(key, value);
        }
    }
    let before = wal.len();
    assert!(!wal.wants_compaction(before + 1), "below the minimum size");
    assert!(wal.wants_compaction(1024));
    wal.compact().await.unwrap();
    assert!(
        wal.len() < before / 50,
        "{} bytes after, {before} before",
        wal.len()
    );
    assert_eq!(wal.len(), std::fs::metadata(wal.path()).unwrap().len());
    assert!(!wal.wants_compaction(1024), "just compacted");
    assert!(
        !dir.join("wal.log.compacting").exists(),
        "the rewrite was renamed into place"
    );

    // Appends after compaction go to the new file.
    wal.append(&Record::Set("after".into(), "1".into()))
        .await
        .unwrap();
    expected.insert("after".into(), "1".into());
    wal.sync().await.unwrap();
    drop(wal);
    let (_, replayed) = Wal::open(&dir).await.unwrap();
    assert_eq!(replayed, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_made_during_compaction_are_kept() {
    let dir = scratch("concurrent");
    let (wal, _) = Wal::open(&dir).await.unwrap();
    let wal = Arc::new(wal);
    let writer = {
        let wal = wal.clone();
        tokio::spawn(async move {
            for i in 0..1_000 {
                wal.append(&Record::Set(format!("key{i}"), format!("{i}")))
                    .await
                    .unwrap();
                if i % 100 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    let mut compactions = 0;
    while !writer.is_finished() {
        wal.compact().await.unwrap();
        compactions += 1;
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();
    wal.compact().await.unwrap();
    assert!(compactions > 1, "compactions ran while writing");
    drop(wal);
    let (_, replayed) = Wal::open(&dir).await.unwrap();
    assert_eq!(replayed.len(), 1_000, "every write survives");
    assert!((0..1_000).all(|i| replayed[&format!("key{i}")] == i.to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_second_server_on_the_same_directory_is_refused() {
    let dir = scratch("lock");
    let (first, _) = Wal::open(&dir).await.unwrap();
    let second = Wal::open(&dir).await.unwrap_err();
    assert!(
        matches!(second, kvstore::error::KvError::Locked(ref d) if *d == dir),
        "{second}"
    );
    assert!(
        second.to_string().contains("in use by another kvstore"),
        "{second}"
    );
    drop(first);
    // Released with the log: the directory opens again.
    let (_again, _) = Wal::open(&dir).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

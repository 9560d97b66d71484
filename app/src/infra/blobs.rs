//! Where uploaded files (need photos) are kept: a small key → bytes interface that an object
//! store (S3, OSS, MinIO) can implement; the one here writes files under `data/media/`.
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = std::io::Result<T>> + Send + 'a>>;

/// A store of immutable blobs by key. Keys are `[a-z0-9]{1,64}`.
pub trait BlobStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BoxFut<'a, ()>;
    /// `None` when there is no such blob.
    fn get<'a>(&'a self, key: &'a str) -> BoxFut<'a, Option<Vec<u8>>>;
    fn delete<'a>(&'a self, key: &'a str) -> BoxFut<'a, ()>;
}

/// Blobs as files in a directory.
pub struct FsBlobStore {
    pub dir: PathBuf,
}

fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn bad_key() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad blob key")
}

impl BlobStore for FsBlobStore {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BoxFut<'a, ()> {
        Box::pin(async move {
            if !valid_key(key) {
                return Err(bad_key());
            }
            tokio::fs::create_dir_all(&self.dir).await?;
            // Written aside and renamed: a reader never sees half a file.
            let tmp = self.dir.join(format!("{key}.part"));
            tokio::fs::write(&tmp, &bytes).await?;
            tokio::fs::rename(&tmp, self.dir.join(key)).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFut<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            if !valid_key(key) {
                return Ok(None);
            }
            match tokio::fs::read(self.dir.join(key)).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFut<'a, ()> {
        Box::pin(async move {
            if !valid_key(key) {
                return Err(bad_key());
            }
            match tokio::fs::remove_file(self.dir.join(key)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete_and_keys_cannot_escape_the_directory() {
        let dir = std::env::temp_dir().join(format!("linli_blobs_{}", std::process::id()));
        let store = FsBlobStore { dir: dir.clone() };
        store.put("abc123", b"photo".to_vec()).await.unwrap();
        assert_eq!(store.get("abc123").await.unwrap().as_deref(), Some(&b"photo"[..]));
        assert!(store.put("../etc", b"x".to_vec()).await.is_err());
        assert_eq!(store.get("../abc123").await.unwrap(), None);
        store.delete("abc123").await.unwrap();
        assert_eq!(store.get("abc123").await.unwrap(), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}

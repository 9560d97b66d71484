//! Sending the one-time login code by SMS: a trait with a development sink (the log and a file
//! under the data directory) and an HTTP gateway (POST JSON to the operator's SMS service).
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

/// Why a message could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("sms sink: {0}")]
    Io(#[from] std::io::Error),
    #[error("sms gateway: {0}")]
    Gateway(String),
}

/// Something that delivers a text message to a phone.
pub trait SmsGateway: Send + Sync {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;
}

/// Development: the message goes to the log and is appended to `data/sms.log`, where a developer
/// (or the end-to-end tests) read the code.
pub struct DevSink {
    pub path: PathBuf,
}

impl SmsGateway for DevSink {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>> {
        Box::pin(async move {
            use tokio::io::AsyncWriteExt;
            tracing::info!(phone, text, "dev SMS sink");
            if let Some(dir) = self.path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let mut f = tokio::fs::OpenOptions::new().create(true).append(true).open(&self.path).await?;
            f.write_all(format!("{phone}\t{text}\n").as_bytes()).await?;
            // tokio writes in the background: without this the line may not be there yet.
            f.flush().await?;
            Ok(())
        })
    }
}

/// Production: `POST {url}` with `{"phone": …, "text": …}` and a bearer token, within a timeout.
pub struct HttpGateway {
    pub url: String,
    pub token: Option<String>,
    pub client: reqwest::Client,
}

impl HttpGateway {
    pub fn new(url: String, token: Option<String>, timeout: Duration) -> Result<Self, SmsError> {
        let client = reqwest::Client::builder().timeout(timeout).build().map_err(|e| SmsError::Gateway(e.to_string()))?;
        Ok(HttpGateway { url, token, client })
    }
}

impl SmsGateway for HttpGateway {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>> {
        Box::pin(async move {
            let mut req = self.client.post(&self.url).json(&serde_json::json!({ "phone": phone, "text": text }));
            if let Some(token) = &self.token {
                req = req.bearer_auth(token);
            }
            let res = req.send().await.map_err(|e| SmsError::Gateway(e.to_string()))?;
            if !res.status().is_success() {
                return Err(SmsError::Gateway(format!("status {}", res.status())));
            }
            Ok(())
        })
    }
}

//! Photos of needs: the type is checked by its bytes (JPEG, PNG or WebP), the size bounded, and the
//! image decoded and written anew as a JPEG — turned upright by its EXIF orientation, scaled to at
//! most 2048 px — so that nothing of the original file survives: no EXIF (GPS position, phone
//! model, time), no XMP, no comments, no trailing data.
use super::error::NeedError;
use std::io::Cursor;

/// The largest photo accepted, in bytes, and the longest side of a stored photo: the browser
/// shrinks photos to the same side before sending them (`ui::photo`).
pub use crate::ui::photo::{MAX_PHOTO_BYTES, MAX_SIDE};
/// The most pixels a photo may declare (40 million: a 48-megapixel phone's full-size JPEG is over
/// the byte limit anyway). Read from the file's header before anything is decoded: a small file
/// can declare a huge image (a 12000×12000 PNG of a few kilobytes took ~0.9 GB to decode).
pub const MAX_PIXELS: u64 = 40_000_000;
/// How many photos are decoded at once, off the async threads: all cores but one, so that a core
/// is always left to answer every other request (on 2 cores, 2 decoding at once made `/healthz`'s
/// p99 2.9× its figure alone: BENCHMARKS.md), and at most 2 (each may take ~4 bytes per pixel).
pub fn decode_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get() - 1).clamp(1, 2)
}

/// A photo ready to store.
#[derive(Debug)]
pub struct CleanPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn sniff(bytes: &[u8]) -> Option<image::ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(image::ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(image::ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(image::ImageFormat::WebP)
    } else {
        None
    }
}

/// The type, size and declared dimensions, from the bytes and the header only (nothing is
/// decoded): refuses other types, files over `MAX_PHOTO_BYTES` and images over `MAX_PIXELS`.
pub fn check_header(bytes: &[u8]) -> Result<(image::ImageFormat, u32, u32), NeedError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(NeedError::PhotoTooLarge { max_mb: MAX_PHOTO_BYTES / (1024 * 1024) });
    }
    let format = sniff(bytes).ok_or(NeedError::PhotoWrongType)?;
    let (w, h) = image::ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().map_err(|_| NeedError::PhotoUnreadable)?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(NeedError::PhotoTooManyPixels { max_mp: (MAX_PIXELS / 1_000_000) as usize });
    }
    Ok((format, w, h))
}

/// Checks and cleans an uploaded photo (blocking, CPU-bound: see `clean_off_thread`).
pub fn clean(bytes: &[u8]) -> Result<CleanPhoto, NeedError> {
    use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
    let (format, _, _) = check_header(bytes)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    // The decoded image (up to 4 bytes per pixel at the pixel budget) and little more.
    limits.max_alloc = Some(MAX_PIXELS * 4 + 16 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| NeedError::PhotoUnreadable)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| NeedError::PhotoUnreadable)?;
    img.apply_orientation(orientation);
    if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let rgb = img.to_rgb8();
    let mut jpeg = Vec::new();
    rgb.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)).map_err(|_| NeedError::PhotoUnreadable)?;
    Ok(CleanPhoto { jpeg, width: rgb.width(), height: rgb.height() })
}

/// `clean` on a blocking thread, at most `decode_slots()` at a time, so that photos never hold up
/// the async threads that answer every other request. Call it after the caller's rights are
/// checked and `check_header` has passed.
pub async fn clean_off_thread(bytes: Vec<u8>) -> Result<CleanPhoto, NeedError> {
    use crate::kernel::error::CommonError;
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let _slot = SLOTS.get_or_init(|| tokio::sync::Semaphore::new(decode_slots())).acquire().await.map_err(|_| NeedError::Common(CommonError::Internal))?;
    tokio::task::spawn_blocking(move || clean(&bytes)).await.map_err(|e| {
        tracing::error!(error = %e, "photo decoding failed");
        NeedError::Common(CommonError::Internal)
    })?
}

/// An upload checked (`check_header`) and written anew (`clean_off_thread`): what a need, a project
/// and an activity's report store. Call it after the caller's rights are checked.
pub async fn cleaned_upload(raw: Vec<u8>) -> Result<CleanPhoto, NeedError> {
    check_header(&raw)?;
    clean_off_thread(raw).await
}

/// A new photo's storage key: random, so that its address tells nothing.
pub fn new_key() -> String {
    crate::infra::hex(&rand::random::<[u8; 20]>())
}

/// Stores a photo's file once its row is written, before the caller commits: if the file cannot
/// be stored, the transaction is dropped and no row remains.
pub async fn put(blobs: &dyn crate::infra::blobs::BlobStore, key: &str, jpeg: Vec<u8>) -> Result<(), crate::kernel::error::CommonError> {
    blobs.put(key, jpeg).await.map_err(|e| {
        tracing::error!(error = %e, "storing a photo failed");
        crate::kernel::error::CommonError::Internal
    })
}

/// Removes a photo's file after its row was deleted and committed; a failure is logged (the file
/// is no longer reachable).
pub async fn forget(blobs: &dyn crate::infra::blobs::BlobStore, key: &str) {
    if let Err(e) = blobs.delete(key).await {
        tracing::warn!(error = %e, key, "removing a photo's file failed");
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A small JPEG with an EXIF block (a GPS-looking marker and orientation "rotate 90° CW").
    pub fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 100, 50]));
        let mut plain = Vec::new();
        img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)).unwrap();
        // TIFF header (little endian), one IFD entry: Orientation (0x0112) SHORT = 6; then a
        // recognisable text, as GPS data would be.
        let mut tiff = b"II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00".to_vec();
        tiff.extend_from_slice(b"GPS 30.2741N 120.1551E");
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend_from_slice(&tiff);
        let len = (app1.len() + 2) as u16;
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn exif_is_stripped_and_the_photo_turned_upright() {
        let raw = jpeg_with_exif(40, 20);
        assert!(contains(&raw, b"GPS 30.2741N"));
        let clean = clean(&raw).unwrap();
        assert!(!contains(&clean.jpeg, b"Exif"), "no EXIF block left");
        assert!(!contains(&clean.jpeg, b"GPS 30.2741N"));
        assert_eq!((clean.width, clean.height), (20, 40), "orientation 6 = rotated a quarter turn");
        assert!(clean.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
    }

    #[test]
    fn png_is_accepted_and_stored_as_jpeg() {
        let img = image::RgbaImage::from_pixel(30, 10, image::Rgba([1, 2, 3, 255]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let clean = clean(&png).unwrap();
        assert_eq!((clean.width, clean.height), (30, 10));
    }

    #[test]
    fn big_photos_are_scaled_down() {
        let img = image::RgbImage::from_pixel(3000, 1000, image::Rgb([200, 200, 200]));
        let mut jpeg = Vec::new();
        img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 50)).unwrap();
        let clean = clean(&jpeg).unwrap();
        assert_eq!((clean.width, clean.height), (2048, 683));
    }

    /// A PNG header declaring `w`×`h` pixels, with almost no data after it.
    pub fn png_declaring(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32(&ihdr);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend_from_slice(&13u32.to_be_bytes());
        out.extend_from_slice(&ihdr);
        out.extend_from_slice(&crc.to_be_bytes());
        // An empty IDAT and the end: the decoder reads the header up to the first IDAT.
        for kind in [&b"IDAT"[..], b"IEND"] {
            out.extend_from_slice(&0u32.to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(&crc32(kind).to_be_bytes());
        }
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn an_image_over_the_pixel_budget_is_refused_from_its_header() {
        let bomb = png_declaring(12_000, 12_000);
        assert!(bomb.len() < 100);
        assert_eq!(check_header(&bomb).unwrap_err(), NeedError::PhotoTooManyPixels { max_mp: 40 });
        assert_eq!(clean(&bomb).unwrap_err(), NeedError::PhotoTooManyPixels { max_mp: 40 });
        assert_eq!(check_header(&png_declaring(4032, 3024)).unwrap().1, 4032, "a phone photo's size passes the header check");
    }

    #[test]
    fn other_types_oversize_and_broken_files_are_refused() {
        assert_eq!(clean(b"GIF89a....").unwrap_err(), NeedError::PhotoWrongType);
        assert_eq!(clean(b"%PDF-1.7").unwrap_err(), NeedError::PhotoWrongType);
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(clean(&big).unwrap_err(), NeedError::PhotoTooLarge { max_mb: 6 });
        assert_eq!(clean(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).unwrap_err(), NeedError::PhotoUnreadable);
    }
}

//! A PNG filtered as it streams: rows decoded one at a time by the `png`
//! crate's row reader, pushed through a `Stream`, and each output row
//! written by the `png` stream writer as it comes out, so memory holds a
//! few rows whatever the image's size.
//!
//! * `png_rows_filter_like_the_whole_image`: the streamed PNG's pixels are
//!   `Plan::filter`'s on the whole decoded image, for each channel count.
//! * `huge_png_in_bounded_memory`: a 20000 × 20000 u8 image (400 MB of
//!   pixels) written, filtered and written again through files, with the
//!   process's peak resident memory (`VmHWM`) under 64 MiB, printed
//!   (about 20 s, in the gate's `cargo test --workspace`; 300 MB of
//!   temporary files, removed).

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Cursor, Seek, Write};

use sepconv::{best_backend, Border, Borders, ImageView, ImageViewMut, Kernel, Plan, Shape, Stream};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The test image: gradients with edges, a little texture.
fn pixel(x: usize, y: usize, channel: usize) -> u8 {
    let edge = if (x / 97 + y / 89).is_multiple_of(2) { 0 } else { 90 };
    ((x / 3 + y / 5 + 40 * channel) % 160 + edge + (x ^ y) % 5) as u8
}

fn color(channels: usize) -> png::ColorType {
    match channels {
        1 => png::ColorType::Grayscale,
        2 => png::ColorType::GrayscaleAlpha,
        3 => png::ColorType::Rgb,
        _ => png::ColorType::Rgba,
    }
}

/// Writes a `width × height` u8 PNG of [`pixel`]s to `out`, row by row.
fn write_test_png(out: impl Write, width: usize, height: usize, channels: usize) -> Result<()> {
    let mut encoder = png::Encoder::new(out, width as u32, height as u32);
    encoder.set_color(color(channels));
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    let mut rows = writer.stream_writer()?;
    let mut row = vec![0u8; width * channels];
    for y in 0..height {
        for (i, v) in row.iter_mut().enumerate() {
            *v = pixel(i / channels, y, i % channels);
        }
        rows.write_all(&row)?;
    }
    rows.finish()?;
    Ok(())
}

/// Filters the 8-bit PNG read from `input` with `column ⊗ row` into a PNG
/// of the same shape written to `output`, one row at a time.
fn filter_png(input: impl BufRead + Seek, output: impl Write, row: Kernel<'_>, column: Kernel<'_>) -> Result<()> {
    let mut decoder = png::Decoder::new(input);
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info()?;
    let info = reader.info();
    if info.bit_depth != png::BitDepth::Eight {
        return Err("only 8-bit PNGs".into());
    }
    let (width, height, color_type) = (info.width as usize, info.height as usize, info.color_type);
    let channels = color_type.samples();
    let plan = Plan::new(Shape::new(width, height, channels)?, row, column, Borders::uniform(Border::Reflect101))?;
    let mut scratch = vec![0.0f32; Stream::<u8, u8>::scratch_len(&plan)];
    let mut stream = Stream::<u8, u8>::new(&plan, best_backend(), &mut scratch)?;

    let mut encoder = png::Encoder::new(output, width as u32, height as u32);
    encoder.set_color(color_type);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    let mut rows = writer.stream_writer()?;
    let mut written = Ok(());
    while let Some(source) = reader.next_row()? {
        stream.push(source.data(), |_, filtered| {
            if written.is_ok() {
                written = rows.write_all(filtered);
            }
        })?;
        written.as_ref().map_err(|e| e.to_string())?;
    }
    stream.finish()?;
    rows.finish()?;
    Ok(())
}

/// Decodes a whole 8-bit PNG: (pixels, width, height, channels).
fn decode(png: &[u8]) -> Result<(Vec<u8>, usize, usize, usize)> {
    let mut decoder = png::Decoder::new(Cursor::new(png));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info()?;
    let mut pixels = vec![0u8; reader.output_buffer_size().ok_or("PNG too large")?];
    let frame = reader.next_frame(&mut pixels)?;
    pixels.truncate(frame.buffer_size());
    Ok((pixels, frame.width as usize, frame.height as usize, frame.color_type.samples()))
}

#[test]
fn png_rows_filter_like_the_whole_image() -> Result<()> {
    let gauss = [0.0625, 0.25, 0.375, 0.25, 0.0625];
    let (row, column) = (Kernel::new(&gauss)?, Kernel::with_anchor(&[0.2, 0.5, 0.3], 0)?);
    for (channels, width, height) in [(1, 301, 157), (2, 64, 9), (3, 97, 33), (4, 5, 41)] {
        let mut source = Vec::new();
        write_test_png(&mut source, width, height, channels)?;
        let mut filtered = Vec::new();
        filter_png(Cursor::new(&source), &mut filtered, row, column)?;

        let (pixels, w, h, c) = decode(&source)?;
        assert_eq!((w, h, c), (width, height, channels));
        let plan = Plan::new(Shape::new(w, h, c)?, row, column, Borders::uniform(Border::Reflect101))?;
        let mut want = vec![0u8; pixels.len()];
        let mut scratch = vec![0.0f32; plan.scratch_len::<u8>()];
        let src = ImageView::new(&pixels, w, h, c)?;
        plan.filter(best_backend(), &src, &mut ImageViewMut::new(&mut want, w, h, c)?, &mut scratch)?;
        let (got, gw, gh, gc) = decode(&filtered)?;
        assert_eq!((gw, gh, gc), (w, h, c));
        assert!(got == want, "{channels} channels: the streamed PNG differs from the whole-image filter");
    }
    Ok(())
}

/// The process's peak resident memory (`VmHWM`), in KiB.
fn peak_resident_kib() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn huge_png_in_bounded_memory() -> Result<()> {
    const SIDE: usize = 20_000;
    let dir = std::env::temp_dir().join(format!("sepconv-png-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (source, filtered) = (dir.join("source.png"), dir.join("filtered.png"));
    let started = std::time::Instant::now();
    let result = (|| -> Result<()> {
        write_test_png(BufWriter::new(File::create(&source)?), SIDE, SIDE, 1)?;
        let gauss = [0.0625, 0.25, 0.375, 0.25, 0.0625];
        let k = Kernel::new(&gauss)?;
        let input = BufReader::new(File::open(&source)?);
        filter_png(input, BufWriter::new(File::create(&filtered)?), k, k)?;
        // The output is a whole, valid PNG of the image's shape (read back row by row).
        let mut reader = png::Decoder::new(BufReader::new(File::open(&filtered)?)).read_info()?;
        let (mut rows, mut sum) = (0, 0u64);
        while let Some(row) = reader.next_row()? {
            assert_eq!(row.data().len(), SIDE);
            sum += row.data().iter().map(|&v| v as u64).sum::<u64>();
            rows += 1;
        }
        assert_eq!(rows, SIDE);
        assert!(sum > 0);
        Ok(())
    })();
    let sizes = (std::fs::metadata(&source).map(|m| m.len()), std::fs::metadata(&filtered).map(|m| m.len()));
    std::fs::remove_dir_all(&dir)?;
    result?;
    let peak = peak_resident_kib().ok_or("no VmHWM in /proc/self/status")?;
    // Written to stderr itself, past the test harness's capture of
    // `eprintln!`: the figure shows in the gate's log.
    writeln!(
        std::io::stderr(),
        "huge PNG: {SIDE}×{SIDE} u8 ({} MB of pixels; PNGs of {} and {} bytes) filtered as it streams in {:.1} s, \
         peak resident memory (VmHWM) {:.1} MiB",
        SIDE * SIDE / 1_000_000,
        sizes.0.unwrap_or(0),
        sizes.1.unwrap_or(0),
        started.elapsed().as_secs_f64(),
        peak as f64 / 1024.0
    )?;
    assert!(peak < 64 * 1024, "peak resident memory {peak} KiB, not under 64 MiB");
    Ok(())
}

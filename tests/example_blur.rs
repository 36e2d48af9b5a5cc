//! The blur example on the repository's photograph (`examples/data/chelsea.jpg`,
//! a cat, CC0): its PNG output read back equals the reference filter of the
//! decoded picture, bit for bit.

#[allow(dead_code)]
#[path = "../examples/blur.rs"]
mod blur;

use sepconv::{reference, Borders, Image, KernelBuf, Options, Plan};

const PHOTO: &str = "examples/data/chelsea.jpg";

fn reference_u8<D: sepconv::Output<u8> + sepconv::Element>(
    img: &Image<u8>,
    row: &KernelBuf,
    column: &KernelBuf,
) -> Image<D> {
    let plan = Plan::new(img.shape(), row.kernel(), column.kernel(), Borders::default()).unwrap();
    let mut out = Image::<D>::new(img.width(), img.height(), img.channels()).unwrap();
    reference::filter(&plan, &img.view(), &mut out.view_mut()).unwrap();
    out
}

fn temp_png(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("sepconv-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_str().unwrap().to_string()
}

#[test]
fn the_example_blurs_a_photograph_as_the_reference_does() {
    let photo = image::open(PHOTO).unwrap().to_rgb8();
    assert_eq!(photo.dimensions(), (226, 150));
    let out = temp_png("blurred.png");
    blur::run(PHOTO, &out, blur::Job::Gaussian(2.0), Options::new()).unwrap();
    let got = image::open(&out).unwrap().to_rgb8();
    // σ = 2 on u8: 2·round(3σ) + 1 = 13 taps, as OpenCV's GaussianBlur.
    let k = KernelBuf::gaussian(13, 2.0).unwrap();
    let want: Image<u8> = reference_u8(&Image::try_from(photo).unwrap(), &k, &k);
    assert_eq!(Image::try_from(got).unwrap(), want);
}

#[test]
fn the_example_takes_a_gradient_as_the_reference_does() {
    let grey = image::open(PHOTO).unwrap().to_luma8();
    let out = temp_png("edges.png");
    blur::run(PHOTO, &out, blur::Job::Sobel, Options::new()).unwrap();
    let got = image::open(&out).unwrap().to_luma8();
    let grey = Image::try_from(grey).unwrap();
    let (d, s) = (KernelBuf::deriv(1, 3).unwrap(), KernelBuf::deriv(0, 3).unwrap());
    let gx: Image<i16> = reference_u8(&grey, &d, &s);
    let gy: Image<i16> = reference_u8(&grey, &s, &d);
    let want: Vec<u8> = gx
        .as_slice()
        .iter()
        .zip(gy.as_slice())
        .map(|(&x, &y)| (x.unsigned_abs() as u32 + y.unsigned_abs() as u32).min(255) as u8)
        .collect();
    assert_eq!(got.as_raw(), &want);
    assert!(want.iter().filter(|&&v| v > 64).count() > 500, "a photograph has edges");
}

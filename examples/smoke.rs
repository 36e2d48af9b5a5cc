use sepconv::*;
fn main() {
    let mut seed = 12345u64;
    let mut rnd = || { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; seed };
    let mut fails = 0;
    for trial in 0..3000 {
        let w = (rnd() % 40 + 1) as usize; let h = (rnd() % 20 + 1) as usize; let c = (rnd() % 4 + 1) as usize;
        let nr = (rnd() % 9 + 1) as usize; let nc = (rnd() % 9 + 1) as usize;
        let rt: Vec<f32> = (0..nr).map(|_| (rnd() % 1000) as f32 / 1000.0).collect();
        let ct: Vec<f32> = (0..nc).map(|_| (rnd() % 1000) as f32 / 1000.0).collect();
        let ax = (rnd() as usize) % nr; let ay = (rnd() as usize) % nc;
        let modes = [Border::Constant(3.0), Border::Replicate, Border::Reflect, Border::Reflect101, Border::Wrap];
        let b = Borders::new(modes[(rnd() % 5) as usize], modes[(rnd() % 5) as usize]);
        let rk = Kernel::with_anchor(&rt, ax).unwrap(); let ck = Kernel::with_anchor(&ct, ay).unwrap();
        let valid = trial % 4 == 0 && w >= nr && h >= nc;
        let shape = Shape::new(w, h, c).unwrap();
        let plan = if valid { Plan::valid(shape, rk, ck).unwrap() } else { Plan::new(shape, rk, ck, b).unwrap() };
        let src: Vec<f32> = (0..w*h*c).map(|_| (rnd() % 256) as f32).collect();
        let src8: Vec<u8> = src.iter().map(|&v| v as u8).collect();
        let o = plan.output_shape();
        let mut r = vec![0f32; o.width*o.height*c];
        reference::filter_f32(&plan, &ImageView::new(&src, w, h, c).unwrap(), &mut ImageViewMut::new(&mut r, o.width, o.height, c).unwrap()).unwrap();
        let mut r8 = vec![0u8; o.width*o.height*c];
        reference::filter_u8(&plan, &ImageView::new(&src8, w, h, c).unwrap(), &mut ImageViewMut::new(&mut r8, o.width, o.height, c).unwrap()).unwrap();
        for be in available_backends() {
            let mut d = vec![0f32; o.width*o.height*c];
            let mut s = vec![0f32; plan.scratch_len::<f32>()];
            plan.filter(be, &ImageView::new(&src, w, h, c).unwrap(), &mut ImageViewMut::new(&mut d, o.width, o.height, c).unwrap(), &mut s).unwrap();
            let maxd = d.iter().zip(&r).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            if maxd > 0.01 { fails += 1; if fails < 5 { println!("f32 {} w{w} h{h} c{c} nr{nr} nc{nc} ax{ax} ay{ay} {:?} valid{valid} maxd {maxd}", be.name(), b); } }
            let mut d8 = vec![0u8; o.width*o.height*c];
            let mut s = vec![0f32; plan.scratch_len::<u8>()];
            plan.filter(be, &ImageView::new(&src8, w, h, c).unwrap(), &mut ImageViewMut::new(&mut d8, o.width, o.height, c).unwrap(), &mut s).unwrap();
            if d8 != r8 { fails += 1; if fails < 5 { println!("u8 mismatch {}", be.name()); } }
            if !valid {
                let mut ip = src.clone();
                let mut s = vec![0f32; plan.scratch_len::<f32>()];
                plan.filter_in_place(be, &mut ImageViewMut::new(&mut ip, w, h, c).unwrap(), &mut s).unwrap();
                if ip != d { fails += 1; if fails < 5 { println!("inplace mismatch {} {:?}", be.name(), b); } }
            }
        }
    }
    println!("fails {fails}");
}

//! The tensor tour of seeds 001 and 002: creation, dtypes, the four ways to add (`+`,
//! `ember::add`, `out=`, `add_`), indexing, `view` with -1, `item`, `transpose`, the ndarray
//! bridge with shared memory, `cat` vs `stack` from seed 000, and the CUDA cell.
//!
//! ```sh
//! cargo run --release --example tensors
//! ```

use ember::{DType, Device, Result, TensorOptions};

fn cell(title: &str) {
    println!("\n## {title}");
}

fn main() -> Result<()> {
    ember::manual_seed(0);

    cell("creation");
    let x = ember::empty([5, 3]); // torch.empty(5, 3): uninitialised, any values
    println!("{:?}", x.size());
    let x = ember::rand([5, 3]);
    println!("{x}");
    let x = ember::zeros_with([5, 3], DType::I64);
    println!("{x}");
    println!("{}", x.dtype());
    let x = ember::zeros([5, 3]).try_to_dtype(DType::I64)?; // torch.zeros(5, 3).long()
    println!("{}", x.dtype());
    let x = ember::tensor([5.5, 3.0]);
    println!("{x}");
    let x_new = x.new_ones([5, 3]);
    println!("{x_new}");
    let x = ember::randn_like_with(&x_new, DType::F64);
    println!("{x}");
    println!("{:?}", x.size());

    cell("addition, four ways");
    let y = ember::rand([5, 3]);
    let x = ember::rand([5, 3]);
    println!("{}", &x + &y);
    println!("{}", x.try_add(&y)?); // torch.add(x, y)
    let result = ember::empty([5, 3]);
    ember::try_add_out(&x, &y, &result)?;
    println!("{result}");
    y.try_add_(&x)?;
    println!("{y}");

    cell("indexing, x[:, 1:]");
    println!("{x}");
    println!("{}", x.try_i((.., 1..))?);

    cell("resizing with view");
    let x = ember::rand([4, 4]);
    let y = x.try_view([16])?;
    let z = x.try_view([2, 8])?;
    let w = x.try_view([-1, 2])?;
    println!("{y}\n{z}\n{w}");
    println!(
        "{:?} {:?} {:?} {:?}",
        x.size(),
        y.size(),
        z.size(),
        w.size()
    );

    cell("item and transpose");
    let x = ember::rand([1]);
    println!("{x}");
    println!("{}", x.try_item::<f32>()? as f64);
    println!("{}", z.try_transpose(1, 0)?);

    cell("ndarray bridge (shared memory)");
    let a = ember::ones([5]);
    println!("{a}");
    a.try_with_ndarray_mut(|mut b: ndarray::ArrayViewMutD<f32>| {
        b[[1]] = 10.0; // b[1] = 10 on a.numpy()
        println!("{b}");
    })?;
    println!("{a}"); // a and b share memory
    let b = ember::from_ndarray(ndarray::Array1::<f64>::ones(5));
    b.try_with_ndarray_mut(|mut a: ndarray::ArrayViewMutD<f64>| a += 1.0)?; // np.add(a, 1, out=a)
    println!("{b}");
    println!("{}", b.try_to_ndarray::<f64>()? + 1.0); // a = a + 1 makes a new array
    println!("{b}");

    cell("cat vs stack (seed 000)");
    let a = ember::rand_with([3, 2], DType::F64);
    let b = ember::rand_with([3, 4], DType::F64);
    let c = ember::rand_with([4, 2], DType::F64);
    let ab = ember::try_cat(&[&a, &b], 1)?;
    let ac = ember::try_cat(&[&a, &c], 0)?;
    println!("ab = \n{ab}\n\nac = \n{ac}\n");
    let aa_0 = ember::try_stack(&[&a, &a], 0)?;
    let aa_1 = ember::try_stack(&[&a, &a], 1)?;
    println!("aa_0 = \n{:?}\n", aa_0.size());
    println!("aa_1 = \n{:?}\n", aa_1.size());

    cell("CUDA");
    println!(
        "{}",
        if ember::cuda::is_available() {
            "True"
        } else {
            "False"
        }
    );
    if ember::cuda::is_available() {
        let device = Device::Cuda(0);
        let y = ember::ones_like_with(&x, TensorOptions::new().device(device));
        let x = x.try_to_device(device)?;
        let z = x.try_add(&y)?;
        println!("{z}");
        println!(
            "{}",
            z.try_to_device(Device::Cpu)?.try_to_dtype(DType::F64)?
        );
    }
    Ok(())
}

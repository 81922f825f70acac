//! The CUDA device as a user without a GPU sees it (PyTorch's errors, the allocator's
//! counters at zero), and every generated kernel compiled by NVRTC for sm_90 when libnvrtc
//! can be loaded (no GPU needed for that).

use ember::nn::Module;
use ember::{Device, TensorOptions, cuda};

/// The message PyTorch gives on this machine: without feature `cuda`, "Torch not compiled
/// with CUDA enabled"; with it and no driver, "Found no NVIDIA driver on your system...";
/// with a driver and no GPU, "No CUDA GPUs are available".
fn assert_no_cuda(result: ember::Result<impl std::fmt::Debug>, what: &str) {
    let msg = result.expect_err(what).to_string();
    let ok = if cfg!(feature = "cuda") {
        msg.starts_with("Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx")
            || msg == "No CUDA GPUs are available"
            || msg.starts_with("CUDA driver initialization failed, you might not have a CUDA gpu.")
    } else {
        msg == "Torch not compiled with CUDA enabled"
    };
    assert!(ok, "{what}: {msg}");
}

#[test]
fn without_a_gpu_cuda_requests_fail_as_in_pytorch() {
    if cuda::is_available() {
        println!("skipped: a CUDA device is present");
        return;
    }
    assert_eq!(cuda::device_count(), 0);
    let cuda0 = Device::Cuda(0);
    assert_no_cuda(
        ember::try_ones_with([1], cuda0),
        "torch.ones(1, device='cuda')",
    );
    assert_no_cuda(
        ember::try_ones_with([1], Device::Cuda(1)),
        "device='cuda:1'",
    );
    let x = ember::ones([2]);
    assert_no_cuda(x.try_to_device(cuda0), "x.to('cuda')");
    assert_no_cuda(x.try_cuda(), "x.cuda()");
    assert_no_cuda(
        ember::try_zeros_like_with(&x, cuda0),
        "zeros_like(x, device='cuda')",
    );
    assert_no_cuda(
        ember::try_tensor_with([1.0, 2.0], TensorOptions::new().device(cuda0)),
        "torch.tensor([1., 2.], device='cuda')",
    );
    assert_no_cuda(ember::try_full_with([2], 3.0, cuda0), "torch.full");
    assert_no_cuda(cuda::try_synchronize(), "torch.cuda.synchronize()");
    let mut lin = ember::nn::Linear::new(2, 2);
    assert_no_cuda(lin.to_device(cuda0), "model.cuda()");
    assert_eq!(lin.weight.tensor().device(), Device::Cpu);
    assert_no_cuda(
        cuda::caching_allocator_alloc(16, 0),
        "caching_allocator_alloc",
    );

    // Lazy and silent without a GPU, as PyTorch.
    cuda::manual_seed(0);
    cuda::manual_seed_all(0);
    cuda::empty_cache();
    assert_eq!(cuda::memory_allocated(), 0);
    assert_eq!(cuda::max_memory_allocated(), 0);
    assert_eq!(cuda::memory_reserved(), 0);
    assert_eq!(cuda::max_memory_reserved(), 0);
    assert_eq!(
        cuda::try_reset_peak_memory_stats().unwrap_err().to_string(),
        "invalid argument to reset_peak_memory_stats"
    );
}

#[test]
fn a_failed_move_leaves_the_tensor_usable() {
    let x = ember::tensor([1.0f32, 2.0]);
    let _ = x.try_cuda();
    assert_eq!((&x * 2.0).to_vec::<f32>(), vec![2.0, 4.0]);
    assert!(x.cpu().is(&x));
}

#[test]
fn every_kernel_compiles_with_nvrtc_for_sm_90() {
    if !cuda::nvrtc_available() {
        println!(
            "skipped: libnvrtc not found (built {} feature `cuda`; with it, the names cudarc \
             searches must be on LD_LIBRARY_PATH, e.g. libnvrtc.so.13)",
            if cfg!(feature = "cuda") {
                "with"
            } else {
                "without"
            }
        );
        return;
    }
    let mut total = 0;
    for m in cuda::kernel_modules() {
        let start = std::time::Instant::now();
        let ptx = cuda::compile(&m, "compute_90").unwrap_or_else(|e| panic!("{e}"));
        for k in &m.kernels {
            assert!(
                ptx.contains(&format!(".entry {k}(")),
                "{k} is not in the PTX of {}",
                m.name
            );
        }
        assert_eq!(
            ptx.matches(".entry ").count(),
            m.kernels.len(),
            "{}",
            m.name
        );
        println!(
            "{}: {} kernels, {:.1} s",
            m.name,
            m.kernels.len(),
            start.elapsed().as_secs_f64()
        );
        total += m.kernels.len();
    }
    println!("NVRTC compiled {total} kernels for compute_90 (sm_90)");
}

#[test]
fn nvrtc_reports_compile_errors_with_its_log() {
    if !cuda::nvrtc_available() {
        println!("skipped: libnvrtc not found");
        return;
    }
    let mut m = cuda::kernel_modules().remove(0);
    m.source
        .push_str("extern \"C\" __global__ void broken() { undefined_name(); }\n");
    let err = cuda::compile(&m, "compute_90").unwrap_err().to_string();
    assert!(err.contains("undefined_name"), "{err}");
}

#[test]
fn sampling_for_an_unavailable_device_leaves_the_cpu_generator_alone() {
    isolated!(sampling_for_an_unavailable_device_leaves_the_cpu_generator_alone);
    if cuda::is_available() {
        println!("skipped: a CUDA device is present");
        return;
    }
    ember::manual_seed(7);
    let want = ember::randn([4]).to_vec::<f32>();
    ember::manual_seed(7);
    let cuda0 = Device::Cuda(0);
    assert_no_cuda(ember::try_randn_with([1000], cuda0), "randn(device='cuda')");
    assert_no_cuda(ember::try_rand_with([1000], cuda0), "rand(device='cuda')");
    assert_no_cuda(
        ember::try_randint_with(0, 9, [1000], cuda0),
        "randint(device='cuda')",
    );
    cuda::manual_seed_all(3);
    // The CPU stream is where the seed put it.
    assert_eq!(ember::randn([4]).to_vec::<f32>(), want);
}

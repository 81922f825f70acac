//! Optimizers and schedulers against trajectories computed by PyTorch 2.15
//! (`torch.optim.*` with default `foreach=False` on CPU).

use ember::nn::utils::{clip_grad_norm_, clip_grad_value_};
use ember::optim::lr_scheduler::{
    CosineAnnealingLR, LRScheduler, LambdaLR, OneCycleLR, OneCycleOptions,
};
use ember::optim::{self, Optimizer};
use ember::{DType, Tensor};

fn f64s(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape)
}

fn close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{got:?} != {want:?}"
        );
    }
}

/// A small least-squares problem: loss = mean((x @ w + b - y)^2).
struct Problem {
    x: Tensor,
    y: Tensor,
    w: Tensor,
    b: Tensor,
}

impl Problem {
    fn new() -> Problem {
        Problem {
            x: f64s(&[1.0, 2.0, 3.0, -1.0, 0.5, 0.25], &[3, 2]),
            y: f64s(&[1.0, -2.0, 0.5], &[3]),
            w: f64s(&[0.5, -0.3], &[2]).requires_grad_(true),
            b: f64s(&[0.1], &[1]).requires_grad_(true),
        }
    }

    fn params(&self) -> Vec<Tensor> {
        vec![self.w.clone(), self.b.clone()]
    }

    /// Runs `steps` PyTorch-style iterations and returns (w, b) after each.
    fn run(&self, opt: &mut dyn Optimizer, steps: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
        (0..steps)
            .map(|_| {
                opt.zero_grad();
                let r = self.x.matmul(&self.w) + &self.b - &self.y;
                (&r * &r).mean().backward();
                opt.step().unwrap();
                (self.w.to_vec::<f64>(), self.b.to_vec::<f64>())
            })
            .collect()
    }
}

fn check_trajectory(got: &[(Vec<f64>, Vec<f64>)], want: &[([f64; 2], f64)]) {
    for ((w, b), (ww, wb)) in got.iter().zip(want) {
        close(w, ww, 1e-12);
        close(b, &[*wb], 1e-12);
    }
}

#[test]
fn adam_trajectory() {
    let p = Problem::new();
    let mut opt = optim::Adam::new(p.params(), 0.1);
    let got = p.run(&mut opt, 5);
    check_trajectory(
        &got,
        &[
            (
                [0.4000000001416765, -0.20000000025183629],
                5.607476705193903e-10,
            ),
            (
                [0.300729904114546, -0.1002971513459473],
                -0.0984527081464335,
            ),
            (
                [0.20288874022167142, -0.0011310615465535273],
                -0.1934905569244325,
            ),
            (
                [0.10737792842616599, 0.09722038922294633],
                -0.2822811662156265,
            ),
            (
                [0.015319612679191644, 0.1944326232568937],
                -0.3608959533620271,
            ),
        ],
    );
}

#[test]
fn sgd_nesterov_trajectory() {
    let p = Problem::new();
    let o = optim::SgdOptions {
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
        ..Default::default()
    };
    let mut opt = optim::SGD::with(p.params(), o);
    let got = p.run(&mut opt, 5);
    check_trajectory(
        &got,
        &[
            (
                [-0.17054166666666676, 0.07722916666666671],
                -0.06941666666666671,
            ),
            (
                [-0.6224640017361112, 0.4705809505208334],
                -0.11762876736111115,
            ),
            (
                [-0.7876824072573062, 0.7996377094862197],
                -0.04156347485894103,
            ),
            (
                [-0.7468566101917969, 1.0199427434384214],
                0.10233807236454032,
            ),
            (
                [-0.6250707328532705, 1.1197710740149844],
                0.24775580755422355,
            ),
        ],
    );
}

#[test]
fn nadam_decoupled_trajectory() {
    let p = Problem::new();
    let o = optim::NAdamOptions {
        lr: 0.05,
        weight_decay: 0.1,
        decoupled_weight_decay: true,
        ..Default::default()
    };
    let mut opt = optim::NAdam::with(p.params(), o);
    let got = p.run(&mut opt, 5);
    // mu_product is kept in f32 as PyTorch's scalar state: agreement to ~1e-8, not 1e-12.
    for ((w, b), (ww, wb)) in got.iter().zip([
        (
            [0.44467741050809767, -0.24567741056628692],
            0.04667741072946191,
        ),
        (
            [0.40476264690450725, -0.20603866362391857],
            0.009707742116329948,
        ),
        (
            [0.36835540510918297, -0.16955200439982726],
            -0.023227731934470225,
        ),
        (
            [0.3329506659695489, -0.13369701925537805],
            -0.05456802442782268,
        ),
        (
            [0.2978425599698105, -0.09771656421438903],
            -0.08489162375327201,
        ),
    ]) {
        close(w, &ww, 1e-12);
        close(b, &[wb], 1e-12);
    }
}

#[test]
fn rmsprop_centered_momentum_trajectory() {
    let p = Problem::new();
    let o = optim::RMSpropOptions {
        lr: 0.01,
        momentum: 0.5,
        centered: true,
        ..Default::default()
    };
    let mut opt = optim::RMSprop::with(p.params(), o);
    let got = p.run(&mut opt, 5);
    check_trajectory(
        &got,
        &[
            (
                [0.39949621990515466, -0.19949622101787984],
                -0.0005037758618036535,
            ),
            (
                [0.2835640948965843, -0.08063368215401398],
                -0.11232177132041345,
            ),
            (
                [0.17853690291985938, 0.03182091701417653],
                -0.20594220971091431,
            ),
            (
                [0.0912404844573118, 0.13120425556251517],
                -0.2729435161788946,
            ),
            (
                [0.02140683657522905, 0.21705405200498032],
                -0.3135893123356403,
            ),
        ],
    );
}

#[test]
fn adamw_amsgrad_f32() {
    let w = ember::tensor([1.0, -2.0, 3.0]).requires_grad_(true);
    let o = optim::AdamWOptions {
        lr: 0.1,
        amsgrad: true,
        ..Default::default()
    };
    let mut opt = optim::AdamW::with(vec![w.clone()], o);
    for g in [[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0], [0.1, -3.0, 1.0]] {
        w.set_grad(Some(ember::tensor(g)));
        opt.step().unwrap();
    }
    assert_eq!(w.dtype(), DType::F32);
    let got: Vec<f64> = w.to_vec::<f64>();
    close(
        &got,
        &[0.902009904384613, -2.160456657409668, 2.704908609390259],
        1e-6,
    );
}

#[test]
fn state_dict_round_trip_resumes_exactly() {
    let full = Problem::new();
    let mut opt = optim::Adam::new(full.params(), 0.1);
    let want = full.run(&mut opt, 5);

    let first = Problem::new();
    let mut opt1 = optim::Adam::new(first.params(), 0.1);
    first.run(&mut opt1, 3);
    let sd = opt1.state_dict();
    assert_eq!(sd.state.len(), 2);
    assert_eq!(sd.param_groups.len(), 1);

    let second = Problem::new();
    second.w.detach().copy_(&first.w);
    second.b.detach().copy_(&first.b);
    let mut opt2 = optim::Adam::new(second.params(), 0.5);
    opt2.load_state_dict(&sd).unwrap();
    assert_eq!(opt2.param_groups()[0].lr, 0.1);
    let got = second.run(&mut opt2, 2);
    assert_eq!(got[1], want[4]);

    // Mismatched groups are PyTorch's errors.
    let mut other = optim::Adam::new(vec![second.w.clone()], 0.1);
    let err = other.load_state_dict(&sd).unwrap_err().to_string();
    assert!(
        err.contains("doesn't match the size of optimizer's group"),
        "{err}"
    );
}

#[test]
fn param_groups_and_zero_grad() {
    let a = ember::ones([2]).requires_grad_(true);
    let b = ember::ones([2]).requires_grad_(true);
    let mut opt = optim::SGD::new(vec![a.clone()], 0.1);
    opt.add_param_group_with(
        vec![b.clone()],
        optim::SgdOptions {
            lr: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(opt.lrs(), vec![0.1, 0.5]);
    a.set_grad(Some(ember::ones([2])));
    b.set_grad(Some(ember::ones([2])));
    opt.step().unwrap();
    assert_eq!(a.to_vec::<f32>(), vec![0.9, 0.9]);
    assert_eq!(b.to_vec::<f32>(), vec![0.5, 0.5]);

    opt.param_groups()[1].lr = 0.25;
    assert_eq!(opt.lrs(), vec![0.1, 0.25]);

    let g = a.grad().unwrap();
    opt.zero_grad_to_zeros();
    assert!(a.grad().unwrap().is(&g));
    assert_eq!(g.to_vec::<f32>(), vec![0.0, 0.0]);
    opt.zero_grad();
    assert!(a.grad().is_none() && b.grad().is_none());
    // No gradient: the parameter is skipped.
    opt.step().unwrap();
    assert_eq!(a.to_vec::<f32>(), vec![0.9, 0.9]);

    let err = opt
        .add_param_group(vec![a.clone()])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "some parameters appear in more than one parameter group"
    );
    let guard = opt.param_groups();
    assert!(opt.clone().step().is_err());
    drop(guard);
}

#[test]
fn constructor_errors_match_pytorch() {
    let p = || vec![ember::zeros([1]).requires_grad_(true)];
    let msg = |r: ember::Result<()>| r.unwrap_err().to_string();
    assert_eq!(
        msg(optim::SGD::try_new(p(), -1.0).map(|_| ())),
        "Invalid learning rate: -1.0"
    );
    assert_eq!(
        msg(optim::SGD::try_with(
            p(),
            optim::SgdOptions {
                nesterov: true,
                ..Default::default()
            }
        )
        .map(|_| ())),
        "Nesterov momentum requires a momentum and zero dampening"
    );
    assert_eq!(
        msg(optim::Adam::try_with(
            p(),
            optim::AdamOptions {
                betas: (1.0, 0.999),
                ..Default::default()
            }
        )
        .map(|_| ())),
        "Invalid beta parameter at index 0: 1.0"
    );
    assert_eq!(
        msg(optim::Adam::try_with(
            p(),
            optim::AdamOptions {
                eps: -1e-8,
                ..Default::default()
            }
        )
        .map(|_| ())),
        "Invalid epsilon value: -1e-08"
    );
    assert_eq!(
        msg(optim::Adagrad::try_new(vec![], 0.1).map(|_| ())),
        "optimizer got an empty parameter list"
    );
    let x = ember::ones([1]).requires_grad_(true);
    assert_eq!(
        msg(optim::SGD::try_new(vec![&x * 2.0], 0.1).map(|_| ())),
        "can't optimize a non-leaf Tensor"
    );
}

#[test]
fn clip_grad_norm_matches_pytorch() {
    let make = || {
        let a = ember::zeros([3]).requires_grad_(true);
        let b = ember::zeros([2, 2]).requires_grad_(true);
        a.set_grad(Some(ember::tensor([1.0, -2.0, 3.0])));
        b.set_grad(Some(ember::tensor([[0.5, 4.0], [-1.0, 2.0]])));
        vec![a, b]
    };
    let grads = |ps: &[Tensor]| -> Vec<f64> {
        ps.iter()
            .flat_map(|p| p.grad().unwrap().to_vec::<f64>())
            .collect()
    };
    let ps = make();
    let n = clip_grad_norm_(&ps, 2.0, 2.0);
    close(&[n.item::<f64>()], &[5.93717098236084], 1e-6);
    close(
        &grads(&ps),
        &[
            0.336860716342926,
            -0.673721432685852,
            1.0105822086334229,
            0.168430358171463,
            1.347442865371704,
            -0.336860716342926,
            0.673721432685852,
        ],
        1e-6,
    );
    let ps = make();
    let n = clip_grad_norm_(&ps, 2.0, f64::INFINITY);
    assert_eq!(n.item::<f32>(), 4.0);
    close(
        &grads(&ps),
        &[
            0.49999988079071045,
            -0.9999997615814209,
            1.4999996423721313,
            0.24999994039535522,
            1.9999995231628418,
            -0.49999988079071045,
            0.9999997615814209,
        ],
        1e-7,
    );
    let ps = make();
    let n = clip_grad_norm_(&ps, 100.0, 1.0);
    assert_eq!(n.item::<f32>(), 13.5);
    assert_eq!(grads(&ps), vec![1.0, -2.0, 3.0, 0.5, 4.0, -1.0, 2.0]);

    let ps = make();
    clip_grad_value_(&ps, 1.5);
    assert_eq!(grads(&ps), vec![1.0, -1.5, 1.5, 0.5, 1.5, -1.0, 1.5]);
}

#[test]
fn schedulers_match_pytorch() {
    let p = ember::zeros([2]).requires_grad_(true);

    // OneCycleLR on Adam cycles beta1.
    let mut opt = optim::Adam::new(vec![p.clone()], 0.1);
    let o = OneCycleOptions {
        total_steps: Some(6),
        three_phase: true,
        ..Default::default()
    };
    let mut s = OneCycleLR::try_with(&opt, 0.5, o).unwrap();
    let want = [
        (0.4297056274847713, 0.8646446609406726),
        (0.019324789821814153, 0.95),
        (0.012737356237730757, 0.95),
        (0.003975256270843817, 0.95),
        (2e-06, 0.95),
    ];
    for (lr, beta1) in want {
        opt.step().unwrap();
        s.step();
        let g = &opt.param_groups()[0];
        close(&[g.lr, g.betas.0], &[lr, beta1], 1e-14);
    }

    let mut opt = optim::SGD::new(vec![p.clone()], 0.1);
    let mut s = LambdaLR::new(&opt, |e| 0.95f64.powi(e as i32));
    for want in [0.095, 0.09025, 0.0857375] {
        opt.step().unwrap();
        s.step();
        close(&s.get_last_lr(), &[want], 1e-15);
    }

    let mut opt = optim::SGD::new(vec![p.clone()], 0.1);
    let mut s = CosineAnnealingLR::new(&opt, 3, 0.0);
    let want = [
        0.07500000000000001,
        0.025000000000000015,
        0.0,
        0.024999999999999994,
        0.07500000000000005,
        0.10000000000000006,
        0.07500000000000007,
        0.025000000000000053,
    ];
    let mut got = Vec::new();
    for _ in want {
        opt.step().unwrap();
        s.step();
        got.push(s.get_last_lr()[0]);
    }
    // The recursive formula reproduces PyTorch's rounding, not just the closed form.
    assert_eq!(got, want);
}

/// The fused Adam step (contiguous f32/f64 parameters) gives the same bits as the composed
/// single-tensor update, which a transposed parameter takes; both lerp branches, with and
/// without weight decay. See Note [Fused Adam].
#[test]
fn fused_adam_matches_the_composed_update_bitwise() {
    for dt in [DType::F32, DType::F64] {
        for (beta1, weight_decay, decoupled) in
            [(0.9, 0.0, false), (0.3, 0.01, false), (0.9, 0.1, true)]
        {
            let init = ember::randn_with([6, 5], dt);
            let fused = init.clone_tensor().requires_grad_(true);
            // Same values, transposed memory: the composed path.
            let composed = init.t().contiguous().t().requires_grad_(true);
            assert!(!composed.is_contiguous());
            let opts = || optim::AdamOptions {
                lr: 0.05,
                betas: (beta1, 0.99),
                weight_decay,
                decoupled_weight_decay: decoupled,
                ..Default::default()
            };
            let mut a = optim::Adam::try_with(vec![fused.clone()], opts()).unwrap();
            let mut b = optim::Adam::try_with(vec![composed.clone()], opts()).unwrap();
            let target = ember::randn_with([6, 5], dt);
            for _ in 0..5 {
                for (opt, p) in [(&mut a, &fused), (&mut b, &composed)] {
                    opt.zero_grad();
                    p.sub(&target).pow(2.0).mul(p).sum().backward();
                    opt.step().unwrap();
                }
            }
            assert_eq!(
                fused.to_vec::<f64>(),
                composed.contiguous().to_vec::<f64>(),
                "{dt:?} beta1={beta1}"
            );
            assert_ne!(fused.to_vec::<f64>(), init.to_vec::<f64>());
        }
    }
}

//! # PyTorch → ember cheat sheet
//!
//! Every call the seed tutorials use, with its ember spelling. Rust has no keyword
//! arguments, so options become `_with` variants or option structs; every fallible call has a
//! `try_` form returning [`crate::Result`], and a panicking form without the prefix.
//!
//! ## Tensors
//!
//! | PyTorch | ember |
//! |---|---|
//! | `import torch` | `use ember::prelude::*;` |
//! | `torch.empty(5, 3)` / `torch.rand(5, 3)` / `torch.randn(5, 3)` | `ember::empty([5, 3])` / `ember::rand([5, 3])` / `ember::randn([5, 3])` |
//! | `torch.zeros(5, 3, dtype=torch.long)` | `ember::zeros_with([5, 3], DType::I64)` |
//! | `torch.ones(2, 2, requires_grad=True)` | `ember::ones_with([2, 2], TensorOptions::new().requires_grad(true))` |
//! | `torch.tensor([5.5, 3])` | `ember::tensor([5.5, 3.0])` |
//! | `torch.tensor([[1, 2]], dtype=torch.double, requires_grad=True)` | `ember::tensor_with([[1.0, 2.0]], TensorOptions::new().dtype(DType::F64).requires_grad(true))` |
//! | `torch.Tensor([[5, 3]])` | `ember::tensor([[5.0, 3.0]])` |
//! | `x.new_ones(5, 3)` | `x.new_ones([5, 3])` |
//! | `torch.randn_like(x, dtype=torch.double)`, `torch.rand_like(x, dtype=torch.double)` | `ember::randn_like_with(&x, DType::F64)`, `ember::rand_like_with(&x, DType::F64)` |
//! | `torch.ones_like(x, device=device)` | `ember::ones_like_with(&x, TensorOptions::new().device(device))` |
//! | `torch.manual_seed(0)` | `ember::manual_seed(0)` |
//! | `torch.empty(5).normal_()` | `ember::empty([5]).normal_(0.0, 1.0)` |
//! | `x.size()`, `x.shape`, `x.dtype` | `x.size()`, `x.shape()`, `x.dtype()` |
//! | `x.long()`, `x.to(torch.double)` | `x.to_dtype(DType::I64)`, `x.to_dtype(DType::F64)` |
//! | `x.item()`, `x.tolist()` | `x.item::<f32>()`, `x.to_vec::<f32>()` (both cast to the type asked for) |
//! | `print(x)` | `println!("{x}")` (PyTorch's text) |
//!
//! ## Operations
//!
//! | PyTorch | ember |
//! |---|---|
//! | `x + y`, `torch.add(x, y)` | `&x + &y`, `x.add(&y)` |
//! | `torch.add(x, y, out=result)` | `ember::add_out(&x, &y, &result)` |
//! | `y.add_(x)`, `w -= lr * g` | `y.add_(&x)`, `w.sub_(&(lr * &g))`, or `w -= lr * &g` when `w` is a `let mut` binding (a handle: both write into the same tensor) |
//! | `2 * x + 1`, `x ** 2`, `(a - 1)**2` | `2 * &x + 1.0`, `x.pow(2.0)`, `(&a - 1.0).pow(2.0)` (a scalar on the right may be `f32`, `f64`, `i32` or `i64`; on the left `f64` or `i64`, which untyped literals become) |
//! | `x.mm(w)`, `x @ w`, `torch.dot(x, w)` | `x.mm(&w)`, `x.matmul(&w)`, `x.dot(&w)` |
//! | `torch.matmul(a, b, out=c)` | `a.matmul_out(&b, &c)` |
//! | `torch.inverse(a)` | `a.inverse()` or `ember::linalg::inv(&a)` |
//! | `x.clamp(min=0)` | `x.clamp_min(0.0)` or `x.clamp(0.0, None)` |
//! | `x.exp()`, `x.log()`, `x.abs()` | `x.exp()`, `x.log()`, `x.abs()` |
//! | `x.sum()`, `x.mean()`, `x.norm()` | `x.sum()`, `x.mean()`, `x.norm()` |
//! | `x.t()`, `z.transpose(1, 0)` | `x.t()`, `z.transpose(1, 0)` |
//! | `x.view(-1, 8)` | `x.view([-1, 8])` |
//! | `x[:, 1:]`, `x[:, 1]` | `x.i((.., 1..))`, `x.i((.., 1))` |
//! | `grad_h[h < 0] = 0` | `grad_h.masked_fill_(&h.lt(0.0), 0.0)` |
//! | `torch.cat((a, b), 1)`, `torch.stack((a, a), 0)` | `ember::cat(&[&a, &b], 1)`, `ember::stack(&[&a, &a], 0)` |
//! | `torch.from_numpy(a)` | `ember::from_ndarray(a)` |
//! | `a.numpy()` | `a.to_ndarray::<f32>()` (copy), `a.with_ndarray(\|b\| ..)` / `a.with_ndarray_mut(\|b\| ..)` (shared memory) |
//! | `torch.cuda.is_available()` | `ember::cuda::is_available()` |
//! | `x.cuda()`, `x.cpu()`, `torch.cuda.memory_allocated()` | `x.cuda()`, `x.cpu()`, `ember::cuda::memory_allocated()` |
//! | `x.to(device)`, `x.to("cpu", torch.double)` | `x.to_device(device)`, `x.to_device(Device::Cpu).to_dtype(DType::F64)` |
//!
//! ## Autograd
//!
//! | PyTorch | ember |
//! |---|---|
//! | `x.requires_grad`, `x.requires_grad = True` / `x.requires_grad_()` | `x.requires_grad()`, `x.requires_grad_(true)` |
//! | `x.grad`, `x.grad_fn`, `x.is_leaf` | `x.grad()`, `x.grad_fn()`, `x.is_leaf()` |
//! | `a.grad = None` | `a.set_grad(None)` |
//! | `out.backward()` | `out.backward()` |
//! | `z.backward(gradient)` | `z.backward_with(&gradient)` |
//! | `out.backward(retain_graph=True, create_graph=True)` | `out.backward_opts().retain_graph(true).create_graph(true).run()` |
//! | `torch.autograd.grad(a, (t, u))` | `ember::autograd::grad(&[&a], &[&t, &u])` |
//! | `y.retain_grad()`, `y.register_hook(f)` | `y.retain_grad()`, `y.register_hook(f)` |
//! | `with torch.no_grad():` | `let _guard = ember::no_grad();` or `ember::no_grad_scope(\|\| ..)` |
//! | `x.detach()`, `w.grad.zero_()` | `x.detach()`, `w.grad().unwrap().zero_()` |
//! | `s.grad_fn.next_functions` | `s.grad_fn().unwrap().next_functions()` |
//! | `class MyReLU(torch.autograd.Function)` | `struct MyReLU; impl ember::autograd::Function for MyReLU` |
//! | `ctx.save_for_backward(x)`, `ctx.saved_tensors` | `ctx.save_for_backward(&[&x])`, `ctx.saved_tensors()` |
//! | `MyReLU.apply(x)` | `MyReLU.apply1(&x)` |
//! | `make_dot(out)` (torchviz) | `ember::autograd::make_dot(&out, &[])` then `.save("graph.svg")` |
//!
//! ## nn and optim
//!
//! | PyTorch | ember |
//! |---|---|
//! | `class TwoLayerNet(nn.Module)` | `#[derive(ember::nn::Module)] struct TwoLayerNet { linear1: nn::Linear, .. }` + `impl Module` |
//! | `nn.Linear(D_in, H)`, `nn.Linear(D_in, H, bias=False)` | `nn::Linear::new(d_in, h)`, `nn::Linear::new_with(d_in, h, LinearOptions { bias: false, ..Default::default() })?` |
//! | `nn.Sequential(nn.Linear(..), nn.ReLU(), ..)` | `nn::Sequential::new().push(nn::Linear::new(..)).push(nn::ReLU::new())` |
//! | `model(x)` | `model.forward(&x)?` or `model.call(&x)` |
//! | `print(model)` | `println!("{model}")` (PyTorch's text) |
//! | `model[0]`, `model[0].weight` | `model[0]` (a `&dyn Module`), `model[0].downcast_ref::<nn::Linear>().unwrap().weight` or `model.layer::<nn::Linear>(0)` |
//! | `w * x` with `w` a parameter | `&w * &x`, `&w + 1.0` (operators work on `&Parameter`) |
//! | `model.parameters()`, `model.zero_grad()` | `model.parameters()`, `model.zero_grad()` |
//! | `nn.MSELoss(reduction='sum')` | `nn::MSELoss::with_reduction(nn::functional::Reduction::Sum)` |
//! | `nn.CrossEntropyLoss()` | `nn::CrossEntropyLoss::new()` |
//! | `nn.GELU(approximate='tanh')`, `F.gelu(x, approximate='tanh')` | `nn::GELU::new(GeluApproximate::Tanh)`, `x.gelu_approx(GeluApproximate::Tanh)` (`"tanh".parse()?` also works) |
//! | `nn.init.kaiming_uniform_(w, a=0, mode='fan_out', nonlinearity='relu')` | `nn::init::kaiming_uniform_(&w, 0.0, FanMode::FanOut, Nonlinearity::ReLU)?` |
//! | `loss_fn(y_pred, y)` | `loss_fn.call(&y_pred, &y)` or `loss_fn.forward(&y_pred, &y)?` |
//! | `torch.optim.SGD(model.parameters(), lr=1e-4)` | `optim::SGD::new(model.parameters(), 1e-4)` |
//! | `torch.optim.Adam(model.parameters(), lr=1e-4)` | `optim::Adam::new(model.parameters(), 1e-4)` |
//! | `optimizer.zero_grad()`, `optimizer.step()` | `optimizer.zero_grad()`, `optimizer.step()?` |
//! | `optimizer.zero_grad(set_to_none=False)` | `optimizer.zero_grad_to_zeros()` |
//! | `model.cuda()`, `model.to(device)` | `model.to_device(device)?` |
//! | `torch.save(model.state_dict(), p)` | `ember::save(&model.state_dict(), p)?` (a `.pt` PyTorch loads; `ember::io::save` writes safetensors) |
//! | `model.load_state_dict(torch.load(p))` | `model.load_state_dict(&ember::load(p)?.into_state_dict()?)?` (strict; `ember::io::load` reads safetensors) |
//! | `torch.save({"model": sd, "optimizer": opt.state_dict(), "epoch": 3}, p)` | `ember::save(io::Object::dict([("model", (&sd).into()), ("optimizer", (&opt.state_dict()).into()), ("epoch", 3.into())]), p)?` |
//! | `opt.load_state_dict(ckpt["optimizer"])` | `opt.load_state_dict(&ckpt.try_get("optimizer")?.to_optimizer_state_dict()?)?` |
//! | `r = model.load_state_dict(sd, strict=False)` | `let r = model.load_state_dict_non_strict(&sd)?;` (`r.missing_keys`, `r.unexpected_keys`) |
//! | `nn.LayerNorm(4, eps=1e-6, bias=False)` | `nn::LayerNorm::new_with(&[4], LayerNormOptions { eps: 1e-6, bias: false, ..Default::default() })?` |
//! | `nn.GroupNorm(2, 4, affine=False)` | `nn::GroupNorm::new_with(2, 4, GroupNormOptions { affine: false, ..Default::default() })?` |
//! | `nn.Dropout(p)`, `nn.Dropout(p, inplace=True)` | `nn::Dropout::new(p)`, `nn::Dropout::new_with(p, DropoutOptions { inplace: true })?` |
//! | `nn.Embedding(10, 3, padding_idx=0)` | `nn::Embedding::new_with(10, 3, EmbeddingOptions { padding_idx: Some(0), ..Default::default() })?` |
//! | `nn.Embedding.from_pretrained(w)`, `…(w, freeze=False)` | `nn::Embedding::from_pretrained(&w, Default::default())?`, `nn::Embedding::from_pretrained(&w, FromPretrainedOptions { freeze: false, ..Default::default() })?` |
//!
//! The rows above that PyTorch users reach for first, run:
//!
//! ```
//! use ember::prelude::*;
//!
//! let model = nn::Sequential::new().push(nn::Linear::new(3, 2)).push(nn::ReLU);
//! println!("{model}"); // print(model)
//! let first: &nn::Linear = model[0].downcast_ref().unwrap(); // model[0]
//! let y = (&first.weight * 2.0).sum(); // operators on parameters
//! y.backward();
//! assert!(first.weight.grad().is_some());
//! first.weight.set_grad(None); // model[0].weight.grad = None
//! assert!(first.weight.grad().is_none());
//!
//! let w = ember::ones([2]).requires_grad_(true);
//! (&w * &w).sum().backward();
//! {
//!     let _g = no_grad(); // with torch.no_grad():
//!     w.sub_(&(0.5 * &w.grad().unwrap())); // w -= 0.5 * w.grad
//!     let mut w2 = w.clone(); // another handle to the same tensor
//!     w2 -= 0.25 * &w.grad().unwrap(); // `-=` needs a `let mut` binding
//! }
//! assert_eq!(w.to_vec::<f32>(), vec![-0.5, -0.5]);
//!
//! let mut opt = optim::SGD::new(model.parameters(), 0.1);
//! opt.zero_grad(); // set_to_none=True, as PyTorch's default
//!
//! // Keyword arguments are fields of an options struct, the rest of them PyTorch's defaults.
//! let ln_opts = nn::LayerNormOptions { eps: 1e-6, bias: false, ..Default::default() };
//! let ln = nn::LayerNorm::new_with(&[2], ln_opts).unwrap(); // nn.LayerNorm(2, eps=1e-6, bias=False)
//! assert!(ln.bias.is_none());
//! let copy = nn::Sequential::new().push(nn::Linear::new(3, 2)).push(nn::ReLU);
//! copy.load_state_dict(&model.state_dict()).unwrap(); // copy.load_state_dict(model.state_dict())
//! assert_eq!(copy.parameters()[0].to_vec::<f32>(), first.weight.to_vec::<f32>());
//! ```

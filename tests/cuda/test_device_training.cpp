// Whole training steps on every device against the CPU: the reference MLP and a small
// U-Net (GroupNorm, conv, attention, upsampling, label embedding) trained with Adam /
// AdamW give the CPU's losses and parameters within float32 rounding; the fused
// optimizer and EMA updates match the CPU's; a checkpoint round trip works on the device.
#include <cmath>

#include "cuda/device_test.h"

using namespace rill;
using namespace rill::test;

namespace {

// Float32 training on two backends: each op agrees to ~1e-6 relative; a few steps of
// Adam (which normalises the gradient) keep the differences at that level.
constexpr double kTrainTol = 2e-5;

// Runs `steps` optimizer steps of loss(model) on `device`; returns the losses.
template <typename Model, typename Loss>
std::vector<double> train(Model& model, nn::Optimizer& opt, int steps, Loss loss) {
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    const Tensor l = loss(model);
    autograd::backward(l);
    opt.step();
    losses.push_back(l.item());
  }
  return losses;
}

void require_same_parameters(nn::Module& a, nn::Module& b, double tol) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    INFO("parameter " << pa[i].first);
    rill::test::require_close(pa[i].second, ops::to(pb[i].second, Device::cpu()), tol);
  }
}

}  // namespace

DEVICE_TEST_CASE("device: fused Adam AdamW and EMA updates give the CPU's results", "[device][training]") {
  for (DType d : {DType::Float32, DType::Float64})
    for (int decay_kind = 0; decay_kind < 3; ++decay_kind) {  // none, AdamW's decoupled, Adam's L2
      INFO("dtype " << dtype_name(d) << ", weight decay kind " << decay_kind);
      Tensor p = ops::to(pattern({7, 33}), d), m = zeros({7, 33}, d), v = zeros({7, 33}, d);
      Tensor pd = on(device, p), md = on(device, m), vd = on(device, v);
      for (int t = 1; t <= 4; ++t) {
        const Tensor g = ops::to(pattern({7, 33}, DType::Float64, 0.1 * t), d);
        const AdamStep s{1e-2,
                         0.9,
                         0.999,
                         1e-8,
                         decay_kind == 0 ? 0.0 : 0.05,
                         decay_kind == 1,
                         1 - std::pow(0.9, t),
                         1 - std::pow(0.999, t)};
        ops::adam_step_(p, g, m, v, s);
        ops::adam_step_(pd, on(device, g), md, vd, s);
      }
      // The same operations in the same order; the CPU compiler may fuse a multiply-add
      // (one rounding fewer), so the results agree to rounding, not always to the bit.
      require_same(pd, p, tol_for(d));
      require_same(md, m, tol_for(d));
      require_same(vd, v, tol_for(d));
      // EMA: the CPU composes one-rounding ops, the kernel rounds the same way: equal bits.
      const Tensor avg = ops::clone(p), avgd = ops::clone(on(device, p));
      ops::ema_update_(avg, m, 0.999);
      ops::ema_update_(avgd, on(device, m), 0.999);
      require_same(avgd, avg, 0.0);
    }
}

DEVICE_TEST_CASE("device: MLP training steps give the CPU's losses", "[device][training]") {
  manual_seed(7);
  nn::MLP cpu_model(2, 64);
  manual_seed(7);
  nn::MLP dev_model(2, 64);
  dev_model.to(device);
  const Tensor x = ops::to(pattern({32, 2}), DType::Float32),
               t = ops::to(ops::abs(pattern({32}, DType::Float64, 0.5)), DType::Float32);
  const Tensor y = ops::to(pattern({32, 2}, DType::Float64, 0.3), DType::Float32);
  nn::Adam cpu_opt(cpu_model.named_parameters(), {1e-2});
  nn::Adam dev_opt(dev_model.named_parameters(), {1e-2});
  const auto cpu_losses = train(cpu_model, cpu_opt, 5, [&](nn::MLP& m) { return mse_loss(m(t, x), y); });
  const Tensor xd = on(device, x), td = on(device, t), yd = on(device, y);
  const auto dev_losses = train(dev_model, dev_opt, 5, [&](nn::MLP& m) { return mse_loss(m(td, xd), yd); });
  for (size_t s = 0; s < cpu_losses.size(); ++s) CHECK(dev_losses[s] == Approx(cpu_losses[s]).epsilon(kTrainTol));
  require_same_parameters(cpu_model, dev_model, kTrainTol);
}

DEVICE_TEST_CASE("device: a small conditional U-Net trains like on the CPU", "[device][training]") {
  nn::UNetConfig cfg;
  cfg.base = 16, cfg.mult = {1, 2}, cfg.groups = 4, cfg.attn_heads = 2, cfg.num_classes = 3;
  manual_seed(3);
  nn::UNet cpu_model(cfg);
  manual_seed(3);
  nn::UNet dev_model(cfg);
  dev_model.to(device);
  const Tensor x = ops::to(pattern({4, 1, 8, 8}), DType::Float32),
               y = ops::to(pattern({4, 1, 8, 8}, DType::Float64, 0.5), DType::Float32);
  const Tensor t = ops::to(tensor(std::vector<double>{0.1, 0.4, 0.7, 0.95}), DType::Float32);
  const Tensor labels = tensor(std::vector<int64_t>{0, 2, 3, 1});  // 3 = the null label
  nn::AdamW cpu_opt(cpu_model.named_parameters(), {1e-3, 0.9, 0.999, 1e-8, 1e-2});
  nn::AdamW dev_opt(dev_model.named_parameters(), {1e-3, 0.9, 0.999, 1e-8, 1e-2});
  const auto cpu_losses = train(cpu_model, cpu_opt, 3, [&](nn::UNet& m) { return mse_loss(m(t, x, labels), y); });
  const Tensor xd = on(device, x), td = on(device, t), ld = on(device, labels), yd = on(device, y);
  const auto dev_losses = train(dev_model, dev_opt, 3, [&](nn::UNet& m) { return mse_loss(m(td, xd, ld), yd); });
  for (size_t s = 0; s < cpu_losses.size(); ++s) CHECK(dev_losses[s] == Approx(cpu_losses[s]).epsilon(kTrainTol));
  require_same_parameters(cpu_model, dev_model, kTrainTol);
}

DEVICE_TEST_CASE("device: EMA and a checkpoint round trip of a model on the device", "[device][training]") {
  manual_seed(11);
  nn::MLP cpu_model(2, 16);
  manual_seed(11);
  nn::MLP model(2, 16);
  model.to(device);
  nn::EMA cpu_ema(cpu_model, 0.9), ema(model, 0.9);
  for (nn::MLP* m : {&cpu_model, &model})
    for (const Tensor& p : m->parameters()) ops::copy_(p, ops::add(p, 1.0));
  cpu_ema.update(cpu_model);
  ema.update(model);
  for (size_t i = 0; i < ema.state_dict().size(); ++i) {
    CHECK(ema.state_dict()[i].second.device() == device);
    rill::test::require_close(ema.state_dict()[i].second, cpu_ema.state_dict()[i].second, 1e-7);
  }
  const auto dir = rill::test::temp_dir("device_checkpoint");
  const std::string path = (dir / "model.safetensors").string();
  io::safetensors::save(path, model.state_dict());
  manual_seed(12);
  nn::MLP loaded(2, 16);
  loaded.to(device);
  loaded.load_state_dict(io::safetensors::load(path).tensors);
  require_same_parameters(model, loaded, 0.0);
  for (const Tensor& p : loaded.parameters()) CHECK(p.device() == device);
  std::filesystem::remove_all(dir);
}

DEVICE_TEST_CASE("device: Adam resumed from its state dict keeps the step counts on the host", "[device][training]") {
  // Adam reads each parameter's step count at every step (bias corrections); on the device
  // that read would synchronise the GPU once per parameter per step, so the counts stay on
  // the CPU, also after load_state_dict. The resumed run continues the uninterrupted one.
  manual_seed(5);
  nn::MLP model(2, 16);
  model.to(device);
  manual_seed(5);
  nn::MLP resumed_model(2, 16);
  resumed_model.to(device);
  const Tensor x = on(device, ops::to(pattern({8, 2}), DType::Float32));
  const Tensor t = on(device, ops::to(ops::abs(pattern({8}, DType::Float64, 0.5)), DType::Float32));
  const auto loss = [&](nn::MLP& m) { return mse_loss(m(t, x), ops::mul(x, 0.5)); };
  nn::Adam opt(model.named_parameters(), {1e-2});
  train(model, opt, 2, loss);
  const auto trained = model.named_parameters(), copies = resumed_model.named_parameters();
  for (size_t i = 0; i < trained.size(); ++i) ops::copy_(copies[i].second, trained[i].second);
  nn::Adam resumed(resumed_model.named_parameters(), {1e-2});
  resumed.load_state_dict(opt.state_dict());
  for (const auto& [name, t_state] : resumed.state_dict()) {
    INFO(name);
    CHECK(t_state.device() == (name.rfind("step", 0) == 0 ? Device::cpu() : device));
  }
  const auto losses = train(model, opt, 2, loss), resumed_losses = train(resumed_model, resumed, 2, loss);
  CHECK(resumed_losses == losses);
  require_same_parameters(model, resumed_model, 0.0);
}

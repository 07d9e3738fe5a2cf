// Version counters: every in-place op bumps its storage's version, every tensor saved
// for backward remembers the version it was saved at, and backward refuses one that
// was written since (tensor/storage.h, autograd/saved.h). Without the check, each
// "raises" case below would run backward silently on the overwritten values and
// return a wrong gradient.
#include "helpers.h"

using namespace rill;
using rill::test::leaf;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {

// The error backward raises when `node` finds `which` at `now` instead of `saved`.
std::string modified(const std::string& node, const std::string& which, uint64_t saved, uint64_t now) {
  return fmt::format(
      "backward: {} needs {} (saved at version {}) but it was modified in place (now version {}); "
      "an in-place op (fill_, copy_, an optimizer step, load_state_dict, ...) changed it after the "
      "forward pass",
      node, which, saved, now);
}

}  // namespace

TEST_CASE("in-place ops bump the storage version: views share it, reads and copies do not", "[autograd][versions]") {
  const Tensor x = zeros({2, 3});
  CHECK(x.version() == 0);
  const Tensor row = ops::select(x, 0, 1);  // a view: the same storage, the same counter
  ops::fill_(row, 1.0);
  CHECK(x.version() == 1);
  CHECK(row.version() == 1);
  ops::copy_(x, ones({2, 3}));
  CHECK(x.version() == 2);
  CHECK(row.version() == 2);
  // Reading x and making new tensors from it writes nothing into x.
  (void)x.to_vector<float>();
  (void)x.at({1, 2});
  (void)ops::sum(x), (void)ops::exp(x), (void)ops::reshape(x, {6}), (void)detach(x), (void)ops::transpose(x, 0, 1);
  const Tensor c = ops::clone(x);
  CHECK(x.version() == 2);
  ops::fill_(c, 3.0);  // the copy has a counter of its own
  CHECK(c.version() == 1);
  CHECK(x.version() == 2);
  // Fused optimizer and EMA updates write the parameter and the state, not the gradient.
  const Tensor p = zeros({3}), g = ones({3}), m = zeros({3}), v = zeros({3});
  ops::adam_step_(p, g, m, v, AdamStep{});
  CHECK(p.version() == 1);
  CHECK(m.version() == 1);
  CHECK(v.version() == 1);
  CHECK(g.version() == 0);
  ops::ema_update_(m, p, 0.9);
  CHECK(m.version() == 2);
  CHECK(p.version() == 1);
  // set_data bumps the storage it replaces (saved tensors still hold it), and only when
  // it is replaced: to() the dtype a tensor already has changes nothing.
  const Tensor t = zeros({2});
  const Tensor old = detach(t);  // another handle to the old storage
  t.set_data(ops::to(t, DType::Float32));
  CHECK(old.version() == 0);
  t.set_data(ops::to(t, DType::Float64));
  CHECK(old.version() == 1);
  CHECK(t.version() == 0);  // the new storage is untouched
}

TEST_CASE("backward refuses a saved output or input modified in place", "[autograd][versions]") {
  // The saved output: exp's backward is g * y.
  {
    const Tensor x = leaf({3});
    const Tensor y = exp(x);
    ops::fill_(y, 0.0);
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("ExpBackward", "its output", 0, 1));
    CHECK_FALSE(grad_of(x).defined());
  }
  // A saved input: sin's backward is g cos x; mul's is g b (b a constant here).
  {
    const Tensor x = leaf({3});
    const Tensor y = sin(x);
    ops::copy_(x, ops::mul(x, 2.0));
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("SinBackward", "its input x", 0, 1));
  }
  {
    const Tensor a = leaf({3}), b = pattern({3});
    const Tensor y = mul(a, b);
    ops::fill_(b, 1.0);
    ops::fill_(b, 2.0);
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("MulBackward", "its input b", 0, 2));
  }
  // A graph kept for a second backward: the first runs, the write in between is caught.
  {
    const Tensor x = leaf({3});
    const Tensor y = exp(x);
    const Tensor L = sum(y);
    autograd::backward(L, {}, /*retain_graph=*/true);
    ops::fill_(y, 0.0);
    REQUIRE_ERROR(autograd::backward(L), modified("ExpBackward", "its output", 0, 1));
  }
}

TEST_CASE("backward refuses an index saved by index_select, gather or embedding modified in place",
          "[autograd][versions]") {
  const Tensor x = leaf({4, 2});
  {
    const Tensor index = tensor(std::vector<int64_t>{0, 2, 2});
    const Tensor y = index_select(x, 0, index);
    ops::fill_(index, 1.0);
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("IndexSelectBackward", "its index", 0, 1));
  }
  {
    const Tensor index = tensor(std::vector<int64_t>{1, 0, 3, 3}, {2, 2});
    const Tensor y = gather(x, 0, index);
    ops::copy_(index, tensor(std::vector<int64_t>{0, 0, 0, 0}, {2, 2}));
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("GatherBackward", "its index", 0, 1));
  }
  {
    // embedding saves a reshaped view of the indices: writing the original is seen.
    const Tensor ids = tensor(std::vector<int64_t>{3, 1, 1, 0}, {2, 2});
    const Tensor y = embedding(x, ids);
    ops::fill_(ids, 0.0);
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("IndexSelectBackward", "its index", 0, 1));
  }
  {
    // cross_entropy gathers at the targets: relabelling between forward and backward.
    const Tensor logits = leaf({3, 4});
    const Tensor target = tensor(std::vector<int64_t>{0, 3, 1});
    const Tensor loss = cross_entropy(logits, target);
    ops::fill_(target, 2.0);
    REQUIRE_ERROR(autograd::backward(loss), modified("GatherBackward", "its index", 0, 1));
  }
}

TEST_CASE("backward refuses a saved tensor whose storage was written through a view", "[autograd][versions]") {
  // The saved tensor is y; the write goes through a view of one of its rows.
  {
    const Tensor x = leaf({2, 3});
    const Tensor y = exp(x);
    ops::fill_(ops::select(y, 0, 1), 5.0);
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("ExpBackward", "its output", 0, 1));
  }
  // The saved tensor is a view (a slice of h); the write goes to h itself.
  {
    const Tensor x = leaf({4});
    const Tensor h = mul(x, 1.0);
    const Tensor y = sin(narrow(h, 0, 1, 2));
    ops::fill_(h, 0.0);
    REQUIRE_ERROR(autograd::backward(sum(y)), modified("SinBackward", "its input x", 0, 1));
  }
}

TEST_CASE("ops that do not write into saved tensors leave backward working", "[autograd][versions]") {
  const Tensor x = leaf({3});
  ops::fill_(ops::select(x, 0, 0), 0.25);  // written before the forward pass: that is fine
  const Tensor y = exp(x);
  // Reads, views and copies of y and x; writes into the copies only.
  (void)y.to_vector<double>();
  (void)sum(y).item();
  const Tensor view = ops::transpose(ops::reshape(detach(y), {3, 1}), 0, 1);
  (void)ops::contiguous(view);
  ops::fill_(ops::clone(y), 0.0);
  ops::copy_(ops::clone(x), zeros({3}, DType::Float64));
  autograd::backward(sum(y));
  const std::vector<double> xv = values(x);
  require_close(grad_of(x), {std::exp(xv[0]), std::exp(xv[1]), std::exp(xv[2])}, 1e-14);
}

TEST_CASE("an optimizer step between forward and backward is refused", "[autograd][versions][nn]") {
  // LinearBackward saved the weight; the step writes it (Adam through adam_step_, SGD
  // through copy_). The step uses the gradients of an earlier backward.
  for (bool adam : {true, false}) {
    INFO((adam ? "Adam" : "SGD"));
    nn::Linear lin(3, 2);
    const Tensor x = pattern({4, 3}, DType::Float32);
    std::unique_ptr<nn::Optimizer> opt;
    if (adam)
      opt = std::make_unique<nn::Adam>(lin.named_parameters(), nn::AdamOptions{0.01});
    else
      opt = std::make_unique<nn::SGD>(lin.named_parameters(), nn::SGDOptions{0.01});
    autograd::backward(sum(lin(x)));
    const Tensor loss = sum(lin(x));  // saves the weight at its current version
    const uint64_t saved = lin.weight.version();
    opt->step();
    REQUIRE(lin.weight.version() == saved + 1);
    REQUIRE_ERROR(autograd::backward(loss), modified("LinearBackward", "its weight", saved, saved + 1));
  }
}

TEST_CASE("load_state_dict, EMA::copy_to or Module::to between forward and backward are refused",
          "[autograd][versions][nn]") {
  const Tensor x = pattern({4, 3}, DType::Float32);
  nn::Linear model(3, 2), other(3, 2);
  const uint64_t v = model.weight.version();
  {
    const Tensor loss = sum(model(x));
    model.load_state_dict(other.state_dict());  // copy_ into every parameter
    REQUIRE_ERROR(autograd::backward(loss), modified("LinearBackward", "its weight", v, v + 1));
  }
  {
    nn::EMA ema(model, 0.9);
    const Tensor loss = sum(model(x));
    ema.copy_to(model);  // a load_state_dict
    REQUIRE_ERROR(autograd::backward(loss), modified("LinearBackward", "its weight", v + 1, v + 2));
  }
  {
    // Module::to: a no-op move keeps the storage (no error); a cast replaces it.
    const Tensor loss = sum(model(x));
    model.to(DType::Float32);
    model.to(Device::cpu());
    autograd::backward(loss, {}, /*retain_graph=*/true);
    model.to(DType::Float64);
    REQUIRE_ERROR(autograd::backward(loss), modified("LinearBackward", "its weight", v + 2, v + 3));
  }
}

TEST_CASE("a training loop with in-place updates of parameters and gradients runs", "[autograd][versions][nn]") {
  // forward, backward, clip (in place on .grad), step, EMA, repeat; with a second
  // micro-batch's graph alive while the first one's gradients are clipped in place:
  // gradients are never saved tensors, so none of this may raise.
  Generator gen(3);
  nn::Sequential model(
      {std::make_shared<nn::Linear>(2, 16), std::make_shared<nn::SiLU>(), std::make_shared<nn::Linear>(16, 1)});
  nn::Adam opt(model.named_parameters(), {0.02});
  nn::EMA ema(model, 0.9);
  const Tensor X = randn({32, 2}, DType::Float32, &gen);
  const Tensor Y = ops::sum(ops::mul(X, X), {1}, true);  // y = |x|^2
  const Tensor X1 = ops::narrow(X, 0, 0, 16), Y1 = ops::narrow(Y, 0, 0, 16);
  const Tensor X2 = ops::narrow(X, 0, 16, 16), Y2 = ops::narrow(Y, 0, 16, 16);
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    opt.zero_grad();
    const Tensor loss1 = mse_loss(model(X1), Y1);
    autograd::backward(loss1);
    const Tensor loss2 = mse_loss(model(X2), Y2);   // its graph saved the weights
    nn::clip_grad_norm_(model.parameters(), 10.0);  // writes .grad in place
    autograd::backward(loss2);                      // accumulates into .grad
    opt.step();
    ema.update(model);
    const double l = (loss1.item() + loss2.item()) / 2;
    if (step == 0) first = l;
    last = l;
  }
  CHECK(last < 0.5 * first);
}

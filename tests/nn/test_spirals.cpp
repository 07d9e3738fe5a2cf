// A small classifier trained end to end: the whole stack (ops, autograd, layers,
// optimizer) must work together to separate two interleaved spirals.
#include "helpers.h"

using namespace rill;

namespace {

// Two spirals: class k, u ~ U(0, 1), theta = 3 pi sqrt(u) (1.5 turns),
// point = theta / (3 pi) * (cos(theta + k pi), sin(theta + k pi)) + N(0, 0.02^2).
std::pair<Tensor, Tensor> two_spirals(int64_t n, Generator& gen) {
  const Tensor u = rand({n}, DType::Float64, &gen);
  const Tensor label = randint(0, 2, {n}, DType::Int64, &gen);
  const Tensor noise = randn({n, 2}, DType::Float64, &gen);
  const auto uv = u.to_vector<double>(), nv = noise.to_vector<double>();
  const auto lv = label.to_vector<int64_t>();
  std::vector<float> points;
  for (int64_t i = 0; i < n; ++i) {
    const double theta = 3 * M_PI * std::sqrt(uv[i]), r = theta / (3 * M_PI),
                 phase = theta + M_PI * static_cast<double>(lv[i]);
    points.push_back(static_cast<float>(r * std::cos(phase) + 0.02 * nv[2 * i]));
    points.push_back(static_cast<float>(r * std::sin(phase) + 0.02 * nv[2 * i + 1]));
  }
  return {tensor(points, {n, 2}), label};
}

double accuracy(nn::Sequential& model, const Tensor& x, const Tensor& y) {
  no_grad guard;
  const Tensor correct = ops::eq(ops::argmax(model(x), 1), y);  // 1 where the prediction is right
  return ops::mean(ops::to(correct, DType::Float64)).item();
}

}  // namespace

TEST_CASE("an MLP learns two spirals to >= 99% accuracy", "[nn][train]") {
  manual_seed(0);
  Generator gen(1);
  const auto [x, y] = two_spirals(2000, gen);
  const auto [x_test, y_test] = two_spirals(1000, gen);
  nn::Sequential model({std::make_shared<nn::Linear>(2, 64), std::make_shared<nn::SiLU>(),
                        std::make_shared<nn::Linear>(64, 64), std::make_shared<nn::SiLU>(),
                        std::make_shared<nn::Linear>(64, 2)});
  nn::Adam opt(model.named_parameters(), {0.01});
  const auto schedule = nn::LRSchedule::cosine(0.01, 1500, 50);
  for (int64_t step = 0; step < 1500; ++step) {
    opt.set_lr(schedule.at(step));
    opt.zero_grad();
    autograd::backward(cross_entropy(model(x), y));
    opt.step();
  }
  const double train_acc = accuracy(model, x, y), test_acc = accuracy(model, x_test, y_test);
  INFO("train accuracy " << train_acc << ", test accuracy " << test_acc);
  CHECK(train_acc >= 0.99);
  CHECK(test_acc >= 0.99);
}

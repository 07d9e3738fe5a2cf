#include <algorithm>
#include <set>

#include "helpers.h"
#include "tensor/philox.h"

using namespace rill;
using rill::test::values;

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors", "[tensor][random]") {
  // kat_vectors from Salmon et al.'s Random123 distribution: (counter, key) -> output.
  auto check = [](std::array<uint32_t, 4> c, std::array<uint32_t, 2> k, std::array<uint32_t, 4> expected) {
    const philox::Block b = philox::philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1]);
    CHECK(std::array<uint32_t, 4>{b.x[0], b.x[1], b.x[2], b.x[3]} == expected);
  };
  check({0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  check({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
        {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  check({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
        {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("the same generator state draws the same numbers", "[tensor][random]") {
  Generator g1(42), g2(42), g3(43);
  const auto a = randn({100}, {}, &g1).to_vector<float>();
  CHECK(randn({100}, {}, &g2).to_vector<float>() == a);
  CHECK(randn({100}, {}, &g3).to_vector<float>() != a);
  // Drawing advances the offset: the next draw differs; restoring the state replays it.
  CHECK(g1.offset() == 50);
  const Generator::State saved = g1.state();
  const auto next = randn({10}, {}, &g1).to_vector<float>();
  CHECK(next != std::vector<float>(a.begin(), a.begin() + 10));
  g1.set_state(saved);
  CHECK(randn({10}, {}, &g1).to_vector<float>() == next);
  // The default generator is reseeded by manual_seed.
  manual_seed(5);
  const auto d1 = rand({8}).to_vector<float>();
  manual_seed(5);
  CHECK(rand({8}).to_vector<float>() == d1);
}

TEST_CASE("element i depends only on (seed, offset, i): shape and dtype do not matter", "[tensor][random]") {
  Generator g1(9), g2(9);
  const auto big = randn({4, 25}, DType::Float64, &g1).to_vector<double>();
  const auto small = randn({7}, DType::Float64, &g2).to_vector<double>();
  CHECK(std::equal(small.begin(), small.end(), big.begin()));
  // float32 normals are the float64 ones rounded.
  Generator g3(9);
  const auto f = randn({7}, DType::Float32, &g3).to_vector<float>();
  for (size_t i = 0; i < f.size(); ++i) CHECK(f[i] == static_cast<float>(small[i]));
  // The element rule, computed by hand for element 3 (block 1, the sine of the pair).
  const philox::Block b = philox::block(9, 1);
  const double r = std::sqrt(-2 * std::log(1 - philox::uniform53(b.x[0], b.x[1])));
  CHECK(small[3] == r * std::sin(2 * M_PI * philox::uniform53(b.x[2], b.x[3])));
}

TEST_CASE("distributions have the right moments and ranges", "[tensor][random]") {
  Generator g(123);
  const int64_t n = 200000;
  // randn: mean 0 and variance 1, within 5 standard errors.
  const Tensor z = randn({n}, DType::Float64, &g);
  CHECK(std::abs(ops::mean(z).item()) < 5 / std::sqrt(double(n)));
  CHECK(std::abs(ops::var(z).item() - 1) < 5 * std::sqrt(2.0 / n));
  // rand: in [0, 1), mean 1/2, variance 1/12.
  const Tensor u = rand({n}, {}, &g);
  CHECK(ops::min(u).item() >= 0);
  CHECK(ops::max(u).item() < 1);
  CHECK(std::abs(ops::mean(u).item() - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(ops::var(u).item() - 1.0 / 12) < 0.002);
  // randint: every value of [-3, 4) appears, none outside.
  const auto ints = randint(-3, 4, {10000}, DType::Int64, &g).to_vector<int64_t>();
  const std::set<int64_t> seen(ints.begin(), ints.end());
  CHECK(seen == std::set<int64_t>{-3, -2, -1, 0, 1, 2, 3});
  REQUIRE_ERROR(randint(3, 3, {1}), "randint: empty range [3, 3)");
  REQUIRE_ERROR(randn({2}, DType::Int64), "randn: expected a floating dtype, got int64");
}

TEST_CASE("randperm is a permutation, different per seed", "[tensor][random]") {
  Generator g(1);
  auto p = randperm(1000, DType::Int64, &g).to_vector<int64_t>();
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) CHECK(sorted[i] == i);
  CHECK(p != randperm(1000, DType::Int64, &g).to_vector<int64_t>());
  CHECK(randperm(0).numel() == 0);
  CHECK(randperm(1).to_vector<int64_t>() == std::vector<int64_t>{0});
}

#include <sstream>

#include "helpers.h"

using namespace rill;

TEST_CASE("tensors print like PyTorch", "[tensor][format]") {
  CHECK(to_string(tensor({1.f, -2.5f, 0.f, 3.f}, {2, 2})) ==
        "tensor([[ 1.0000, -2.5000],\n"
        "        [ 0.0000,  3.0000]])");
  CHECK(to_string(tensor(std::vector<int64_t>{1, 20, 3})) == "tensor([ 1, 20,  3], dtype=int64)");
  CHECK(to_string(scalar_tensor(0.5, DType::Float64)) == "tensor(0.5000, dtype=float64)");
  CHECK(to_string(tensor({1e-6f, 1.f})) == "tensor([1.0000e-06, 1.0000e+00])");
  CHECK(to_string(zeros({0, 3})) == "tensor([], size=[0, 3])");
  CHECK(to_string(ops::reshape(arange(8), {2, 2, 2})) ==
        "tensor([[[0.0000, 1.0000],\n"
        "         [2.0000, 3.0000]],\n"
        "\n"
        "        [[4.0000, 5.0000],\n"
        "         [6.0000, 7.0000]]])");
  CHECK(fmt::format("{}", tensor({NAN, INFINITY})) == "tensor([nan, inf])");
  std::ostringstream os;
  os << tensor({2.f});
  CHECK(os.str() == "tensor([2.0000])");
}

TEST_CASE("large tensors are summarised", "[tensor][format]") {
  CHECK(to_string(arange(0, 2000, 1, DType::Int64)) ==
        "tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int64)");
}

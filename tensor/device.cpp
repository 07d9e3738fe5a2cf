#include "tensor/device.h"

#include <cstdlib>

namespace rill {

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    const std::string digits = s.substr(5);
    RILL_CHECK(!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos,
               "Device::parse: bad device string '{}' (expected cpu, cuda or cuda:N)", s);
    return cuda(std::atoi(digits.c_str()));
  }
  throw Error(fmt::format("Device::parse: bad device string '{}' (expected cpu, cuda or cuda:N)", s));
}

std::string Device::str() const { return is_cpu() ? std::string("cpu") : fmt::format("cuda:{}", index); }

}  // namespace rill

#include "distributed/local_rank.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "tensor/factory.h"

namespace rill::distributed {

namespace {

// This host's name as 8 int64 (64 bytes, zero-padded): the form all_gather can carry.
constexpr int kNameWords = 8;

Tensor host_name_words() {
  char name[kNameWords * 8 + 1] = {};
  RILL_CHECK(gethostname(name, sizeof name - 1) == 0, "local_rank: gethostname failed");
  std::vector<int64_t> words(kNameWords);
  std::memcpy(words.data(), name, kNameWords * 8);
  return tensor(words, {kNameWords});
}

}  // namespace

LocalRank local_rank(Communicator& comm) {
  // names: [P, 8], row r = rank r's host name.
  const std::vector<int64_t> names = comm.all_gather(host_name_words()).to_vector<int64_t>();
  auto same_host = [&](int r) {
    return std::equal(names.begin() + r * kNameWords, names.begin() + (r + 1) * kNameWords,
                      names.begin() + comm.rank() * kNameWords);
  };
  LocalRank local{0, 0};
  for (int r = 0; r < comm.size(); ++r) {
    if (!same_host(r)) continue;
    if (r < comm.rank()) ++local.rank;
    ++local.size;
  }
  return local;
}

}  // namespace rill::distributed

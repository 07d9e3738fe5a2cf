#include "autograd/dot.h"

#include <deque>
#include <map>

#include "autograd/node.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace rill::autograd {

std::string to_dot(const Tensor& root, const std::vector<std::pair<std::string, Tensor>>& names) {
  const std::shared_ptr<Node> start = grad_fn(root);
  RILL_CHECK(start, "to_dot: the tensor {} was not produced by a recorded op (is it a leaf, or made under no_grad?)",
             shape_str(root.shape()));
  // Leaf names by their AccumulateGrad node, which the graph shares with the leaf.
  std::map<const Node*, std::string> leaf_names;
  for (const auto& [name, tensor] : names)
    if (const auto node = gradient_edge(tensor)) leaf_names[node.get()] = name;

  std::map<const Node*, int> id;  // node -> its number in breadth-first order
  std::deque<const Node*> queue{start.get()};
  id[start.get()] = 0;
  std::string nodes, edges;
  int constants = 0;
  while (!queue.empty()) {
    const Node* node = queue.front();
    queue.pop_front();
    const int n = id.at(node);
    const auto named = leaf_names.find(node);
    if (named != leaf_names.end())
      nodes += fmt::format("  n{} [label=\"{}\", style=filled, fillcolor=\"#dbe9f6\"];\n", n, named->second);
    else
      nodes += fmt::format("  n{} [label=\"{}\"];\n", n, node->name());
    for (const Edge& edge : node->next) {
      const std::string label = shape_str(edge.shape);
      if (!edge.node) {  // an input that needs no gradient: the graph keeps only its shape
        nodes += fmt::format("  c{} [label=\"no grad\", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n",
                             constants);
        edges += fmt::format("  c{} -> n{} [label=\"{}\"];\n", constants++, n, label);
        continue;
      }
      const auto [it, is_new] = id.emplace(edge.node.get(), static_cast<int>(id.size()));
      if (is_new) queue.push_back(edge.node.get());
      edges += fmt::format("  n{} -> n{} [label=\"{}\"];\n", it->second, n, label);
    }
  }
  return fmt::format(
      "digraph autograd {{\n"
      "  node [shape=box, fontname=\"Helvetica\"];\n"
      "  edge [fontname=\"Helvetica\", fontsize=10];\n"
      "{}"
      "  result [label=\"result\", shape=ellipse];\n"
      "{}"
      "  n0 -> result [label=\"{}\"];\n"
      "}}\n",
      nodes, edges, shape_str(root.shape()));
}

}  // namespace rill::autograd

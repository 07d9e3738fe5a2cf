// The runnable tour: one small function per stop of docs/tour.md, run as
//   ./build/examples/tour <stop>
// Each file marks the lines the tour quotes with "tour:begin" / "tour:end", and the tour
// shows the output to expect; tests/examples/test_tour.cpp runs every stop and checks
// both against docs/tour.md, so the page cannot drift from the code.
#pragma once

namespace rill::tour {

void stop1_tensor();
void stop2_op();
void stop3_backward();
void stop4_module();
void stop5_unet();
void stop6_cfm_step();
void stop7_ode();
void stop8_conv();

}  // namespace rill::tour

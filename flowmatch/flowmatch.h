// rill flowmatch — conditional flow matching in one include.
#pragma once

#include "flowmatch/assignment.h"
#include "flowmatch/cfm.h"
#include "flowmatch/coupling.h"
#include "flowmatch/gmm.h"
#include "flowmatch/likelihood.h"
#include "flowmatch/meanflow.h"
#include "flowmatch/methods.h"
#include "flowmatch/metrics.h"
#include "flowmatch/ode.h"
#include "flowmatch/path.h"
#include "flowmatch/reflow.h"
#include "flowmatch/schedule.h"
#include "flowmatch/sde.h"
#include "flowmatch/shard.h"
#include "flowmatch/time.h"

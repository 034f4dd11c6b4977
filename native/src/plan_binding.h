// N-API class StepPlan over isbench::StepPlan (step_plan.h); see src/engine/step-plan.ts.
#pragma once

#include <napi.h>

namespace isbench {

void register_step_plan(Napi::Env env, Napi::Object exports);

}  // namespace isbench

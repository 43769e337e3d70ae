#pragma once
// The fake context is installed with riptide (for users' own analyzer tests).
#include "riptide/analyze/testing/fake_context.hpp"

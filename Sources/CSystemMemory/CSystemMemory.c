// Header-only module (include/CSystemMemory.h); SwiftPM wants one source file in a C target.
#include "CSystemMemory.h"

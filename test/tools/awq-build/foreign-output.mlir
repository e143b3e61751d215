// awq-build replaces an earlier output of its own (-o names the directory
// it rebuilds) but refuses, before any work, a non-empty directory that is
// not one, instead of deleting it.
// REQUIRES: awq-build
// RUN: rm -rf %t && mkdir -p %t/mine && touch %t/mine/notes.txt
// RUN: not awq-build %t/no-model --method=rtn -o %t/mine 2>&1 | FileCheck %s
// RUN: ls %t/mine | FileCheck %s --check-prefix=KEPT
// RUN: ls %t | FileCheck %s --check-prefix=NOTEMP --implicit-check-not=partial

// CHECK: awq-build: error: '{{.*}}mine' exists and is not an earlier output (no model.mlirbc): not replacing it
// KEPT: notes.txt
// NOTEMP: mine

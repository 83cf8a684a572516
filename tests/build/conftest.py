"""Fixtures of the build tests: one warm kernel per test module."""

import pytest

from readiness_analysis.build.kernel import WarmKernel


@pytest.fixture(scope="module")
def kernel():
    with WarmKernel() as warm:
        yield warm

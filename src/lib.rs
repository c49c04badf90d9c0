//! Host package for vitalsign's workspace-wide integration and compile-fail tests (see `tests/`).

// Compiled only to build the shared precompiled header for torch (see labkit_use_torch in cmake/).

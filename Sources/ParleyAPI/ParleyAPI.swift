// The API generated from schema/ by ParleyAPIPlugin on every build, with the runtime it needs.
@_exported import ParleyAPIRuntime

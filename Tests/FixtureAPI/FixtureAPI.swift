// The API generated from Tests/Fixtures/schema by ParleyAPIPlugin: a small consumer of the generator.
@_exported import ParleyAPIRuntime

import DetectorContext
import PluginKit

// The plugin's one exported symbol. It lives in its own target so that the tests can
// link the detector's code without it (one test binary cannot hold two plugins' entry
// symbols); the tests load the built shared library for the C-level checks.
@_cdecl("nazar_plugin_entry")
public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.detector(ContextDetector.self) }

import DetectorIForest
import PluginKit

// The plugin's one exported symbol. It lives in its own target so the detector's code
// can be linked into the test binary beside other plugins without a duplicate symbol.
@_cdecl("nazar_plugin_entry")
public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.detector(IForestDetector.self) }

#include <gdcmVersion.h>
#include <itkVersion.h>

#include "labkit/imageio/image.h"

namespace labkit::imageio {
std::string itk_version() { return itk::Version::GetITKVersion(); }
VersionList versions() { return {{"ITK", itk_version()}, {"GDCM", gdcm::Version::GetVersion()}}; }
}  // namespace labkit::imageio

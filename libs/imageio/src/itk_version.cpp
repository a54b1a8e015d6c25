#include <itkVersion.h>

#include "labkit/imageio/image.h"

namespace labkit::image {
std::string itk_version() { return itk::Version::GetITKVersion(); }
}  // namespace labkit::image

#!/usr/bin/python3
"""Independent DICOM tag reader (no pydicom/gdcm on this machine). Walks a part-10 file, explicit- or
implicit-VR little endian, nested sequences included, and prints the geometry tags with the path of
sequences that hold them. Used to obtain the expected values that imageio_dicom_test.cpp asserts."""
import struct
import sys

WANTED = {(0x0028, 0x0010): "Rows", (0x0028, 0x0011): "Columns", (0x0028, 0x0008): "NumberOfFrames",
          (0x0028, 0x0030): "PixelSpacing", (0x0020, 0x0032): "ImagePositionPatient",
          (0x0020, 0x0037): "ImageOrientationPatient", (0x0018, 0x0050): "SliceThickness",
          (0x0018, 0x0088): "SpacingBetweenSlices", (0x0002, 0x0010): "TransferSyntax",
          (0x0008, 0x0016): "SOPClass", (0x0028, 0x0100): "BitsAllocated",
          (0x0028, 0x0103): "PixelRepresentation", (0x0028, 0x1052): "RescaleIntercept",
          (0x0028, 0x1053): "RescaleSlope", (0x0020, 0x000E): "SeriesInstanceUID"}
LONG_VR = {b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"OD", b"OL", b"UC", b"UR", b"OV"}
US_TAGS = {(0x0028, 0x0010), (0x0028, 0x0011), (0x0028, 0x0100), (0x0028, 0x0103)}


class Walker:
    def __init__(self, buf):
        self.buf, self.implicit, self.found = buf, False, []

    def walk(self, pos, end, path):
        buf = self.buf
        while pos + 8 <= end:
            group, elem = struct.unpack_from("<HH", buf, pos)
            if group == 0xFFFE:  # item and delimiters
                length = struct.unpack_from("<I", buf, pos + 4)[0]
                pos += 8
                if elem == 0xE000:
                    pos = self.walk(pos, end if length == 0xFFFFFFFF else pos + length, path)
                    continue
                return pos  # item or sequence delimiter
            implicit = self.implicit and group != 0x0002
            if implicit:
                vr, length = None, struct.unpack_from("<I", buf, pos + 4)[0]
                pos += 8
            else:
                vr = buf[pos + 4:pos + 6]
                if vr in LONG_VR:
                    length = struct.unpack_from("<I", buf, pos + 8)[0]
                    pos += 12
                else:
                    length = struct.unpack_from("<H", buf, pos + 6)[0]
                    pos += 8
            key = (group, elem)
            if vr == b"SQ" or (implicit and length == 0xFFFFFFFF):
                sq_end = end if length == 0xFFFFFFFF else pos + length
                pos = self.walk(pos, sq_end, path + [f"({group:04X},{elem:04X})"])
                continue
            if length == 0xFFFFFFFF:  # encapsulated pixel data
                return end
            if key in WANTED:
                raw = buf[pos:pos + length]
                value = struct.unpack_from("<H", raw)[0] if key in US_TAGS else raw.decode("latin1").strip("\0 ")
                self.found.append(("/".join(path), WANTED[key], value))
                if key == (0x0002, 0x0010):
                    self.implicit = value == "1.2.840.10008.1.2"
            pos += length
        return pos


def main(path, limit=3):
    buf = open(path, "rb").read()
    assert buf[128:132] == b"DICM", "not a DICOM part-10 file"
    w = Walker(buf)
    w.walk(132, len(buf), [])
    shown = {}
    for where, name, value in w.found:
        k = (where, name)
        shown[k] = shown.get(k, 0) + 1
        if shown[k] <= limit:
            print(f"{where or 'top'}: {name} = {value}")
    for (where, name), n in shown.items():
        if n > limit:
            print(f"{where or 'top'}: {name} occurs {n} times")


if __name__ == "__main__":
    main(sys.argv[1])

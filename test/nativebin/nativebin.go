// Package nativebin writes the smallest well-formed headers of native files (an ELF shared
// object, a thin or fat Mach-O dylib, a PE DLL) for a given machine, so tests can put "compiled"
// files of any platform into wheels and folders without a cross compiler. The files are headers
// only: `file` and Go's debug/elf, debug/macho and debug/pe recognise them, nothing can run them.
package nativebin

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"fmt"
)

// ELF returns a 64-bit little-endian ELF shared object header (ET_DYN, System V ABI, no program
// or section headers) for machine "x86_64" or "aarch64", or a 32-bit one for "i386" or "arm".
func ELF(machine string) []byte {
	var m elf.Machine
	class := elf.ELFCLASS64
	switch machine {
	case "x86_64":
		m = elf.EM_X86_64
	case "aarch64":
		m = elf.EM_AARCH64
	case "i386":
		m, class = elf.EM_386, elf.ELFCLASS32
	case "arm":
		m, class = elf.EM_ARM, elf.ELFCLASS32
	default:
		panic(fmt.Sprintf("nativebin: unknown ELF machine %q", machine))
	}
	le := binary.LittleEndian
	if class == elf.ELFCLASS32 {
		h := make([]byte, 52)
		copy(h, elf.ELFMAG)
		h[elf.EI_CLASS], h[elf.EI_DATA], h[elf.EI_VERSION] = byte(class), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
		le.PutUint16(h[16:], uint16(elf.ET_DYN))
		le.PutUint16(h[18:], uint16(m))
		le.PutUint32(h[20:], uint32(elf.EV_CURRENT))
		le.PutUint16(h[40:], 52) // e_ehsize
		le.PutUint16(h[42:], 32) // e_phentsize
		le.PutUint16(h[46:], 40) // e_shentsize
		return h
	}
	h := make([]byte, 64)
	copy(h, elf.ELFMAG)
	h[elf.EI_CLASS], h[elf.EI_DATA], h[elf.EI_VERSION] = byte(class), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	le.PutUint16(h[16:], uint16(elf.ET_DYN))
	le.PutUint16(h[18:], uint16(m))
	le.PutUint32(h[20:], uint32(elf.EV_CURRENT))
	le.PutUint16(h[52:], 64) // e_ehsize
	le.PutUint16(h[54:], 56) // e_phentsize
	le.PutUint16(h[58:], 64) // e_shentsize
	return h
}

func machoCPU(cpu string) macho.Cpu {
	switch cpu {
	case "x86_64":
		return macho.CpuAmd64
	case "arm64":
		return macho.CpuArm64
	}
	panic(fmt.Sprintf("nativebin: unknown Mach-O cpu %q", cpu))
}

// MachO returns a 64-bit Mach-O dylib header (MH_DYLIB, no load commands) for cpu "x86_64" or
// "arm64".
func MachO(cpu string) []byte {
	h := make([]byte, 32)
	le := binary.LittleEndian
	le.PutUint32(h[0:], macho.Magic64)
	le.PutUint32(h[4:], uint32(machoCPU(cpu)))
	le.PutUint32(h[12:], uint32(macho.TypeDylib))
	return h
}

// FatMachO returns a universal (fat) Mach-O holding a MachO of each cpu ("x86_64", "arm64").
func FatMachO(cpus ...string) []byte {
	be := binary.BigEndian
	head := 8 + 20*len(cpus)
	out := make([]byte, head)
	be.PutUint32(out[0:], macho.MagicFat)
	be.PutUint32(out[4:], uint32(len(cpus)))
	for i, cpu := range cpus {
		for len(out)%16 != 0 {
			out = append(out, 0)
		}
		thin := MachO(cpu)
		e := out[8+20*i:]
		be.PutUint32(e[0:], uint32(machoCPU(cpu)))
		be.PutUint32(e[8:], uint32(len(out)))
		be.PutUint32(e[12:], uint32(len(thin)))
		be.PutUint32(e[16:], 4) // align 2^4
		out = append(out, thin...)
	}
	return out
}

// PE returns a PE DLL header (DOS stub header, "PE\0\0", COFF header, an empty optional header
// of the right kind) for machine "x86_64", "arm64" or "i386".
func PE(machine string) []byte {
	var m uint16
	opt, dirsAt := 240, 108 // PE32+ optional header, offset of NumberOfRvaAndSizes
	magic := uint16(0x20b)
	switch machine {
	case "x86_64":
		m = pe.IMAGE_FILE_MACHINE_AMD64
	case "arm64":
		m = pe.IMAGE_FILE_MACHINE_ARM64
	case "i386":
		m, opt, dirsAt, magic = pe.IMAGE_FILE_MACHINE_I386, 224, 92, 0x10b
	default:
		panic(fmt.Sprintf("nativebin: unknown PE machine %q", machine))
	}
	const peOff = 0x80
	le := binary.LittleEndian
	h := make([]byte, peOff+4+20+opt)
	h[0], h[1] = 'M', 'Z'
	le.PutUint32(h[0x3c:], peOff)
	copy(h[peOff:], "PE\x00\x00")
	coff := h[peOff+4:]
	le.PutUint16(coff[0:], m)
	le.PutUint16(coff[16:], uint16(opt))
	le.PutUint16(coff[18:], pe.IMAGE_FILE_EXECUTABLE_IMAGE|pe.IMAGE_FILE_DLL)
	le.PutUint16(coff[20:], magic)
	le.PutUint32(coff[20+dirsAt:], 16) // 16 (empty) data directories fill the optional header
	return h
}

package nativebin

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"testing"
)

// The standard library's full parsers accept every header this package writes.
func TestHeadersParse(t *testing.T) {
	for machine, want := range map[string]elf.Machine{"x86_64": elf.EM_X86_64, "aarch64": elf.EM_AARCH64, "i386": elf.EM_386, "arm": elf.EM_ARM} {
		f, err := elf.NewFile(bytes.NewReader(ELF(machine)))
		if err != nil {
			t.Fatalf("ELF(%s): %v", machine, err)
		}
		if f.Machine != want || f.Type != elf.ET_DYN {
			t.Errorf("ELF(%s): machine %v type %v", machine, f.Machine, f.Type)
		}
	}
	for cpu, want := range map[string]macho.Cpu{"x86_64": macho.CpuAmd64, "arm64": macho.CpuArm64} {
		f, err := macho.NewFile(bytes.NewReader(MachO(cpu)))
		if err != nil {
			t.Fatalf("MachO(%s): %v", cpu, err)
		}
		if f.Cpu != want || f.Type != macho.TypeDylib {
			t.Errorf("MachO(%s): cpu %v type %v", cpu, f.Cpu, f.Type)
		}
	}
	fat, err := macho.NewFatFile(bytes.NewReader(FatMachO("x86_64", "arm64")))
	if err != nil {
		t.Fatalf("FatMachO: %v", err)
	}
	if len(fat.Arches) != 2 || fat.Arches[0].Cpu != macho.CpuAmd64 || fat.Arches[1].Cpu != macho.CpuArm64 {
		t.Errorf("FatMachO arches: %+v", fat.Arches)
	}
	for machine, want := range map[string]uint16{"x86_64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64, "i386": pe.IMAGE_FILE_MACHINE_I386} {
		f, err := pe.NewFile(bytes.NewReader(PE(machine)))
		if err != nil {
			t.Fatalf("PE(%s): %v", machine, err)
		}
		if f.Machine != want {
			t.Errorf("PE(%s): machine %#x", machine, f.Machine)
		}
	}
}

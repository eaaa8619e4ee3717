"""connector: theo dõi nhiệm vụ được giao và đồng bộ với Phần mềm theo dõi chỉ đạo điều hành."""

__version__ = "0.1.0"

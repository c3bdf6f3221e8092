"""Programs to bytes on a wire and back: serial streaming, device protocols, arm kinematics."""

//! Servers the mock has never seen. The mock has no compute service behind it, so a server's
//! disks are a pure function of its ID: a 40 GB system disk and zero to two data disks, IDs
//! and sizes drawn from a name-based UUID of the server ID. A protect of the server records
//! exactly these disks, so restore mappings to any server are decidable: its disks are those
//! of its newest backup in the project, or these.

use super::model::{Disk, Server};
use uuid::Uuid;

/// Namespace of the mock's name-based UUIDs.
const NAMESPACE: Uuid = Uuid::from_u128(0x6d6f_636b_2d63_7362_732d_7631_2d6e_7300);

pub const SERVER_TYPE: &str = "OS::Nova::Server";
pub const DEFAULT_AZ: &str = "eu-west-0a";

/// A stable UUID for a name.
pub fn name_uuid(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// The server with this ID as the mock imagines it.
pub fn derived_server(id: &str, name: Option<&str>) -> Server {
    let seed = name_uuid(id).into_bytes();
    let data_disks = usize::from(seed[0] % 3);
    let short = id.get(..8).unwrap_or(id);
    let mut disks = vec![Disk {
        id: name_uuid(&format!("{id}/disk/0")).to_string(),
        name: format!("{short}-volume-0000"),
        size_gb: 40,
        bootable: true,
    }];
    for (i, byte) in seed.iter().enumerate().take(data_disks + 1).skip(1) {
        disks.push(Disk {
            id: name_uuid(&format!("{id}/disk/{i}")).to_string(),
            name: format!("{short}-volume-{i:04}"),
            size_gb: 10 * (1 + u32::from(byte % 10)),
            bootable: false,
        });
    }
    let vcpus = 1 << (seed[3] % 4);
    Server {
        id: id.to_owned(),
        name: name.map(str::to_owned).unwrap_or_else(|| format!("resource_{id}")),
        resource_type: SERVER_TYPE.to_owned(),
        az: DEFAULT_AZ.to_owned(),
        disks,
        vcpus,
        ram_mb: vcpus * 2048,
    }
}

/// CBR provider ID of a resource type (`BackupResp.provider_id`).
pub fn provider_of(resource_type: &str) -> &'static str {
    match resource_type {
        "OS::Cinder::Volume" => "d1603440-187d-4516-af25-121250c7cc97",
        "OS::Sfs::Turbo" => "3f3c3220-245c-4805-b811-758870015881",
        _ => "0daac4c5-6707-4851-97ba-169e36266b66",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disks_are_stable_per_server() {
        let a = derived_server("9506416d-db6c-406e-8bca-c0f43793d914", None);
        assert_eq!(a, derived_server("9506416d-db6c-406e-8bca-c0f43793d914", None));
        assert!(a.disks[0].bootable && a.disks[0].size_gb == 40);
        assert!((1..=3).contains(&a.disks.len()));
        assert_ne!(a.disks[0].id, derived_server("other", None).disks[0].id);
        assert_eq!(a.name, "resource_9506416d-db6c-406e-8bca-c0f43793d914");
    }
}

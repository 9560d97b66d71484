//! The roles a user holds in a community (or, for the district admin, over a district).
use super::stored::str_enum;

str_enum!(
    /// A role in a community (or, for the district admin, over a district's communities).
    Role {
        /// 居民
        Resident = "resident",
        /// 志愿者
        Volunteer = "volunteer",
        /// 社区工作者
        Worker = "worker",
        /// 街道/区 officer over every community of a district
        DistrictAdmin = "district_admin",
    }
);

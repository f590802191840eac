"""The export files as docs/EXPORTS.md specifies them: name, format, encoding, headers, types.

This is the generator's own reading of the spec. It deliberately does not import the ingest
source definitions, so that a mistake in one is caught by the other instead of copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

EXPORT_DATE = date(2026, 11, 21)
HISTORY_START = date(2023, 11, 1)
HISTORY_END = date(2026, 11, 20)
EXPORT_STAMP = EXPORT_DATE.strftime("%Y%m%d")

# Column roles decide which kinds of dirt a column can receive.
ID = "id"  # primary key or own code
REF = "ref"  # foreign key / code of another entity
ENUM = "enum"  # value from a fixed list
NAME = "name"  # free text
TEXT = "text"  # other text (addresses, months, phone numbers)
DATE = "date"
TIMESTAMP = "timestamp"
DECIMAL = "decimal"
AMOUNT = "amount"  # decimal money; ERP writes it as `1,234.50`
INT = "int"


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    role: str
    required: bool = False
    # xlsx only: write a date as a bare serial number (no date format), as some exports do.
    plain_serial: bool = False


@dataclass(frozen=True)
class FileSpec:
    entity: str  # e.g. "crm_accounts"
    system: str  # crm / erp / service
    fmt: str  # csv / xlsx
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def folder(self) -> str:
        return {"crm": "crm", "erp": "erp", "service": "service"}[self.system]

    @property
    def relative_path(self) -> str:
        return f"{self.folder}/{self.entity}_{EXPORT_STAMP}.{self.fmt}"

    @property
    def encoding(self) -> str:
        # ERP is a GBK-era system; CRM and service export UTF-8 with a byte-order mark.
        return "gb18030" if self.system == "erp" else "utf-8-sig"

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(header: str, name: str, role: str, required: bool = False, plain: bool = False) -> Column:
    return Column(header, name, role, required, plain)


SPECS: dict[str, FileSpec] = {
    s.entity: s
    for s in [
        FileSpec(
            "crm_org_units",
            "crm",
            "csv",
            (
                _c("组织编码", "unit_id", ID, True),
                _c("组织名称", "unit_name", NAME, True),
                _c("组织层级", "unit_level", ENUM, True),
                _c("上级组织编码", "parent_unit_id", REF),
            ),
        ),
        FileSpec(
            "crm_offices",
            "crm",
            "csv",
            (
                _c("办事处编码", "office_id", ID, True),
                _c("办事处名称", "office_name", NAME, True),
                _c("所属组织编码", "unit_id", REF, True),
                _c("省份", "province", TEXT),
                _c("城市", "city", TEXT),
                _c("区县", "district", TEXT),
                _c("详细地址", "address", TEXT),
                _c("经度", "longitude", DECIMAL),
                _c("纬度", "latitude", DECIMAL),
            ),
        ),
        FileSpec(
            "crm_employees",
            "crm",
            "xlsx",
            (
                _c("工号", "employee_id", ID, True),
                _c("姓名", "employee_name", NAME, True),
                _c("岗位", "job_role", ENUM, True),
                _c("所属组织编码", "unit_id", REF, True),
                _c("办事处编码", "office_id", REF),
                _c("直属上级工号", "manager_id", REF),
                _c("手机号", "mobile", TEXT),
                _c("入职日期", "hired_on", DATE),
                _c("离职日期", "left_on", DATE),
            ),
        ),
        FileSpec(
            "crm_accounts",
            "crm",
            "xlsx",
            (
                _c("客户编码", "account_id", ID, True),
                _c("客户名称", "account_name", NAME, True),
                _c("客户类型", "account_type", ENUM, True),
                _c("医院等级", "hospital_grade", ENUM),
                _c("上级客户编码", "parent_account_id", REF),
                _c("省份", "province", TEXT),
                _c("城市", "city", TEXT),
                _c("区县", "district", TEXT),
                _c("详细地址", "address", TEXT),
                _c("联系电话", "phone", TEXT),
                _c("统一社会信用代码", "credit_code", ID),
                _c("负责人工号", "owner_id", REF),
                _c("创建日期", "created_on", DATE, plain=True),
            ),
        ),
        FileSpec(
            "crm_contacts",
            "crm",
            "csv",
            (
                _c("联系人编码", "contact_id", ID, True),
                _c("客户编码", "account_id", REF, True),
                _c("姓名", "contact_name", NAME, True),
                _c("科室", "department", NAME),
                _c("职务", "title", NAME),
                _c("手机号", "mobile", TEXT),
            ),
        ),
        FileSpec(
            "crm_leads",
            "crm",
            "csv",
            (
                _c("线索编号", "lead_id", ID, True),
                _c("线索来源", "lead_source", ENUM),
                _c("客户编码", "account_id", REF),
                _c("产品线", "product_line", ENUM),
                _c("创建时间", "created_at", TIMESTAMP, True),
                _c("分配时间", "assigned_at", TIMESTAMP),
                _c("负责人工号", "owner_id", REF),
                _c("首次跟进时间", "first_contact_at", TIMESTAMP),
                _c("线索状态", "lead_status", ENUM),
                _c("活动编号", "campaign_id", REF),
            ),
        ),
        FileSpec(
            "crm_opportunities",
            "crm",
            "xlsx",
            (
                _c("商机编号", "opportunity_id", ID, True),
                _c("商机名称", "opportunity_name", NAME),
                _c("客户编码", "account_id", REF, True),
                _c("负责人工号", "owner_id", REF, True),
                _c("产品线", "product_line", ENUM, True),
                _c("渠道", "channel", ENUM),
                _c("线索编号", "lead_id", REF),
                _c("预计金额", "amount", DECIMAL),
                _c("创建日期", "created_on", DATE, True),
                _c("预计成交日期", "expected_close_on", DATE, plain=True),
                _c("当前阶段", "current_stage", ENUM, True),
                _c("结束日期", "closed_on", DATE),
                _c("输单原因", "lost_reason", ENUM),
            ),
        ),
        FileSpec(
            "crm_opportunity_stage_history",
            "crm",
            "csv",
            (
                _c("商机编号", "opportunity_id", REF, True),
                _c("阶段", "stage", ENUM, True),
                _c("进入时间", "entered_at", TIMESTAMP, True),
                _c("操作人工号", "changed_by", REF),
            ),
        ),
        FileSpec(
            "crm_visits",
            "crm",
            "csv",
            (
                _c("活动记录编号", "visit_id", ID, True),
                _c("员工工号", "employee_id", REF, True),
                _c("客户编码", "account_id", REF, True),
                _c("活动类型", "activity_type", ENUM, True),
                _c("签到时间", "checked_in_at", TIMESTAMP, True),
                _c("签到经度", "check_in_longitude", DECIMAL),
                _c("签到纬度", "check_in_latitude", DECIMAL),
            ),
        ),
        FileSpec(
            "crm_campaigns",
            "crm",
            "xlsx",
            (
                _c("活动编号", "campaign_id", ID, True),
                _c("活动名称", "campaign_name", NAME),
                _c("活动类型", "campaign_type", ENUM),
                _c("开始日期", "starts_on", DATE),
                _c("结束日期", "ends_on", DATE),
                _c("城市", "city", TEXT),
                _c("预算", "budget", DECIMAL),
            ),
        ),
        FileSpec(
            "crm_quotas",
            "crm",
            "xlsx",
            (
                _c("工号", "employee_id", REF, True),
                _c("月份", "quota_month", TEXT, True),
                _c("指标金额", "quota_amount", DECIMAL, True),
            ),
        ),
        FileSpec(
            "erp_products",
            "erp",
            "csv",
            (
                _c("物料编码", "sku", ID, True),
                _c("物料名称", "product_name", NAME, True),
                _c("产品线", "product_line", ENUM, True),
                _c("产品类别", "product_category", ENUM),
                _c("规格型号", "model", TEXT),
                _c("标准单价", "list_price", AMOUNT),
            ),
        ),
        FileSpec(
            "erp_contracts",
            "erp",
            "csv",
            (
                _c("合同编号", "contract_id", ID, True),
                _c("客户编码", "account_id", REF, True),
                _c("销售员工号", "owner_id", REF),
                _c("商机编号", "opportunity_id", REF),
                _c("签订日期", "signed_on", DATE, True),
                _c("生效日期", "valid_from", DATE),
                _c("失效日期", "valid_to", DATE),
                _c("合同金额", "contract_amount", AMOUNT, True),
                _c("币种", "currency", ENUM),
                _c("审批折扣率", "approved_discount", DECIMAL),
                _c("账期天数", "payment_days", INT),
                _c("审批日期", "approved_on", DATE),
            ),
        ),
        FileSpec(
            "erp_contract_changes",
            "erp",
            "csv",
            (
                _c("变更单号", "change_id", ID, True),
                _c("合同编号", "contract_id", REF, True),
                _c("变更日期", "changed_on", DATE, True),
                _c("变更字段", "changed_field", ENUM, True),
                _c("原值", "old_value", DECIMAL),
                _c("新值", "new_value", DECIMAL),
                _c("操作人工号", "changed_by", REF),
            ),
        ),
        FileSpec(
            "erp_orders",
            "erp",
            "csv",
            (
                _c("订单编号", "order_id", REF, True),
                _c("行号", "line_no", INT, True),
                _c("合同编号", "contract_id", REF),
                _c("客户编码", "account_id", REF, True),
                _c("物料编码", "sku", REF, True),
                _c("数量", "quantity", INT, True),
                _c("成交单价", "unit_price", AMOUNT, True),
                _c("折扣率", "discount", DECIMAL),
                _c("订单日期", "ordered_on", DATE, True),
            ),
        ),
        FileSpec(
            "erp_statements",
            "erp",
            "csv",
            (
                _c("对账单号", "statement_id", ID, True),
                _c("客户编码", "account_id", REF, True),
                _c("结算期间", "period", TEXT),
                _c("对账日期", "statement_on", DATE, True),
                _c("到期日", "due_on", DATE, True),
                _c("对账金额", "statement_amount", AMOUNT, True),
                _c("销售员工号", "owner_id", REF),
            ),
        ),
        FileSpec(
            "erp_statement_installments",
            "erp",
            "csv",
            (
                _c("对账单号", "statement_id", REF, True),
                _c("期次", "installment_no", INT, True),
                _c("到期日", "due_on", DATE, True),
                _c("分期金额", "installment_amount", AMOUNT, True),
            ),
        ),
        FileSpec(
            "erp_invoices",
            "erp",
            "csv",
            (
                _c("发票号码", "invoice_id", ID, True),
                _c("对账单号", "statement_id", REF, True),
                _c("开票日期", "invoiced_on", DATE, True),
                _c("开票金额", "invoice_amount", AMOUNT, True),
            ),
        ),
        FileSpec(
            "erp_payments",
            "erp",
            "csv",
            (
                _c("回款单号", "payment_id", ID, True),
                _c("客户编码", "account_id", REF, True),
                _c("对账单号", "statement_id", REF),
                _c("回款日期", "paid_on", DATE, True),
                _c("回款金额", "payment_amount", AMOUNT, True),
                _c("付款方式", "payment_method", ENUM),
                _c("记账日期", "recorded_on", DATE),
            ),
        ),
        FileSpec(
            "erp_credit_notes",
            "erp",
            "csv",
            (
                _c("红字发票号码", "credit_note_id", ID, True),
                _c("对账单号", "statement_id", REF, True),
                _c("客户编码", "account_id", REF, True),
                _c("开票日期", "issued_on", DATE, True),
                _c("冲红金额", "credit_amount", AMOUNT, True),
                _c("冲红原因", "credit_reason", ENUM),
            ),
        ),
        FileSpec(
            "erp_expense_claims",
            "erp",
            "csv",
            (
                _c("报销单号", "claim_id", ID, True),
                _c("员工工号", "employee_id", REF, True),
                _c("出差日期", "travelled_on", DATE, True),
                _c("客户编码", "account_id", REF),
                _c("申报里程", "claimed_km", DECIMAL),
                _c("报销金额", "claimed_amount", AMOUNT, True),
            ),
        ),
        FileSpec(
            "svc_devices",
            "service",
            "csv",
            (
                _c("设备序列号", "serial_no", ID, True),
                _c("物料编码", "sku", REF, True),
                _c("客户编码", "account_id", REF, True),
                _c("装机日期", "installed_on", DATE),
                _c("保修截止日期", "warranty_ends_on", DATE),
                _c("服务合同截止日期", "service_contract_ends_on", DATE),
                _c("最近盘点扫码时间", "last_census_scan_at", TIMESTAMP),
            ),
        ),
        FileSpec(
            "svc_tickets",
            "service",
            "xlsx",
            (
                _c("工单编号", "ticket_id", ID, True),
                _c("设备序列号", "serial_no", REF),
                _c("客户编码", "account_id", REF, True),
                _c("报修渠道", "channel", ENUM),
                _c("优先级", "priority", ENUM, True),
                _c("故障类型", "fault_type", NAME),
                _c("创建时间", "created_at", TIMESTAMP, True),
                _c("受理时间", "accepted_at", TIMESTAMP),
                _c("派单时间", "dispatched_at", TIMESTAMP),
                _c("到场时间", "arrived_at", TIMESTAMP),
                _c("解决时间", "resolved_at", TIMESTAMP),
                _c("关闭时间", "closed_at", TIMESTAMP),
                _c("服务工程师工号", "engineer_id", REF),
                _c("处理方式", "resolution_mode", ENUM),
                _c("工单状态", "ticket_status", ENUM),
                _c("满意度", "satisfaction", INT),
            ),
        ),
        FileSpec(
            "svc_parts_used",
            "service",
            "csv",
            (
                _c("工单编号", "ticket_id", REF, True),
                _c("备件编码", "part_id", REF, True),
                _c("数量", "quantity", INT, True),
                _c("单价", "unit_cost", DECIMAL),
            ),
        ),
        FileSpec(
            "svc_ticket_history",
            "service",
            "csv",
            (
                _c("工单编号", "ticket_id", REF, True),
                _c("变更序号", "change_no", INT, True),
                _c("变更时间", "changed_at", TIMESTAMP, True),
                _c("工单状态", "ticket_status", ENUM, True),
                _c("优先级", "priority", ENUM, True),
            ),
        ),
        FileSpec(
            "svc_service_contracts",
            "service",
            "csv",
            (
                _c("服务合同编号", "contract_no", ID, True),
                _c("设备序列号", "serial_no", REF, True),
                _c("客户编码", "account_id", REF, True),
                _c("合同开始日期", "starts_on", DATE, True),
                _c("合同截止日期", "ends_on", DATE, True),
                _c("服务级别", "coverage", ENUM, True),
                _c("年度合同金额", "annual_fee", DECIMAL),
            ),
        ),
        FileSpec(
            "svc_repair_charges",
            "service",
            "csv",
            (
                _c("工单编号", "ticket_id", ID, True),
                _c("收费日期", "charged_on", DATE, True),
                _c("收费金额", "charge_amount", DECIMAL, True),
            ),
        ),
        FileSpec(
            "svc_engineer_worklogs",
            "service",
            "csv",
            (
                _c("工时单号", "worklog_id", ID, True),
                _c("服务工程师工号", "engineer_id", REF, True),
                _c("工单编号", "ticket_id", REF),
                _c("工作日期", "worked_on", DATE, True),
                _c("工时", "work_hours", DECIMAL, True),
                _c("路程公里", "travel_km", DECIMAL),
            ),
        ),
        FileSpec(
            "svc_parts_stock",
            "service",
            "csv",
            (
                _c("仓库编码", "warehouse_id", REF, True),
                _c("仓库省份", "warehouse_province", TEXT),
                _c("备件编码", "part_id", REF, True),
                _c("库存数量", "on_hand_qty", INT, True),
                _c("单价", "unit_cost", DECIMAL),
                _c("盘点日期", "snapshot_on", DATE, True),
            ),
        ),
        FileSpec(
            "svc_pm_visits",
            "service",
            "csv",
            (
                _c("保养计划编号", "pm_id", ID, True),
                _c("设备序列号", "serial_no", REF, True),
                _c("计划日期", "planned_on", DATE, True),
                _c("完成日期", "done_on", DATE),
                _c("服务工程师工号", "engineer_id", REF),
            ),
        ),
    ]
}

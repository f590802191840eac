"""The MedOps cockpit (Streamlit): reads only the published marts."""

namespace POSLayerFreeze.Specs;

/// <summary>
/// Tags a spec with the category of the profile this session runs (<c>Smoke</c> or <c>Full</c>, from
/// <c>POSLF_PROFILE</c> at discovery), so one set of fixtures serves both profiles: no twin fixtures, no skipped
/// copies in the results.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ProfileCategoryAttribute : CategoryAttribute
{
    public ProfileCategoryAttribute()
        : base(SpecSettings.Current.ProfileCategory)
    {
    }
}
